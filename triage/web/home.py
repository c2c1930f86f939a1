"""Each role's home page: links to what that role can do."""
from flask import Blueprint, render_template

from triage.auth import roles_required

bp = Blueprint("home", __name__)


@bp.get("/")
@roles_required()
def index():
    return render_template("home.html")
