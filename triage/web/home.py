"""Each role's home page: what the role does here, and links to what it can reach."""
from flask import Blueprint, render_template
from flask_login import current_user

from triage.auth import roles_required
from triage.domain.roles import Role

bp = Blueprint("home", __name__)

ROLE_SUMMARIES = {
    Role.ERA: "You log contacts as they arrive at the Front Door, find or record the child they are about, "
              "and keep the queue moving for the MASH practitioners.",
    Role.PRACTITIONER: "You screen contacts, give each a RAG rating, ask partner agencies for what they "
                       "hold, take cases to the triage meeting and recommend the next step.",
    Role.MANAGER: "You decide what happens next for each contact, sign off and allocate work, watch the "
                  "clocks that are due or breached, and read the morning report and the audit trail.",
    Role.PARTNER: "You answer information requests made of your agency and join the triage meeting. You "
                  "see only what is on the agenda or has been asked of your agency.",
    Role.PERFORMANCE: "You read the reports and exports that show how the Front Door is doing.",
    Role.ADMIN: "You manage user accounts and API tokens for partner systems, and the council's closure "
                "days that working-day clocks skip.",
}


@bp.get("/")
@roles_required()
def index():
    role = Role(current_user.role)
    return render_template("home.html", summary=ROLE_SUMMARIES.get(role, ""))
