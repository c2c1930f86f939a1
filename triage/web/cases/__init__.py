"""Cases after the decision, as pages: the cases list, one case with its assessment and the forms
that move it on, caseloads by worker and team, and the manager's view of every clock due soon or
breached.

* `forms`: the case page's forms, each building its use case's command;
* `page`: the case page and the step each form posts to;
* `lists`: the cases list, caseloads and the due-and-breached view.
"""
from triage.web.cases import lists, page
from triage.web.cases.blueprint import bp

__all__ = ["bp", "lists", "page"]
