"""The fake GitHub's people endpoints: a user's permission on a repository and reactions on issues
and issue comments, in GitHub's REST shapes (docs.github.com/rest/collaborators,
/rest/reactions): 201 for a new reaction, 200 with the existing one when the same user already
reacted so, 422 for an unknown content, 204 for a delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tests.support.fakes.github_app import (
    REPO_PATH,
    RouteTable,
    error,
    invalid,
    json_response,
    not_found,
)
from tests.support.fakes.github_state import JSON, Repo, State, now, user

REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
# role_name → the legacy `permission` GitHub reports beside it (maintain→write, triage→read).
ROLES = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}


class PeopleRoutes(RouteTable):
    """`dispatch` returns None for paths it does not serve."""

    def __init__(self, state: State) -> None:
        r = REPO_PATH
        on_issue = rf"{r}/issues/(?P<number>\d+)/reactions"
        on_comment = rf"{r}/issues/comments/(?P<comment_id>\d+)/reactions"
        super().__init__(
            state,
            [
                ("GET", rf"{r}/collaborators/(?P<login>[^/]+)/permission", self.permission),
                ("GET", on_issue, self.list_reactions),
                ("POST", on_issue, self.create_reaction),
                ("DELETE", rf"{on_issue}/(?P<reaction_id>\d+)", self.delete_reaction),
                ("GET", on_comment, self.list_reactions),
                ("POST", on_comment, self.create_reaction),
                ("DELETE", rf"{on_comment}/(?P<reaction_id>\d+)", self.delete_reaction),
            ],
        )

    # --- permissions --------------------------------------------------------------------

    def permission(self, request: Request, body: Any, repo: Repo, login: str) -> Response:
        role = repo.permissions.get(login.lower())
        if role is None:
            if repo.data["private"]:
                raise error(404, f"{login} is not a user")
            role = "read"  # anyone may read a public repository
        return json_response(
            200,
            {
                "permission": ROLES.get(role, "none"),
                "role_name": role,
                "user": {**user(login), "permissions": {"pull": True, "push": role in ROLES}},
            },
        )

    # --- reactions ----------------------------------------------------------------------

    def _reactions(self, repo: Repo, on: dict[str, str]) -> list[JSON]:
        """The reactions on what the path names: an issue (`number`) or a comment (`comment_id`);
        404 if it does not exist."""
        if "comment_id" in on:
            wanted = int(on["comment_id"])
            for issue_number, comments in repo.comments.items():
                if any(c["id"] == wanted for c in comments):
                    return repo.reactions.setdefault((issue_number, wanted), [])
            raise not_found()
        n = int(on["number"])
        if n not in repo.issues and n not in repo.pulls:
            raise not_found()
        return repo.reactions.setdefault((n, None), [])

    def list_reactions(self, request: Request, body: Any, repo: Repo, **on: str) -> Response:
        found = self._reactions(repo, on)
        content = request.query_params.get("content")
        if content is not None and content not in REACTIONS:
            raise invalid("Reaction", "content", "invalid")
        return json_response(200, [r for r in found if content in (None, r["content"])])

    def create_reaction(self, request: Request, body: Any, repo: Repo, **on: str) -> Response:
        reactions = self._reactions(repo, on)
        content = body.get("content") if isinstance(body, dict) else None
        if content not in REACTIONS:
            raise invalid("Reaction", "content", "invalid")
        author = self.state.user()
        for existing in reactions:
            if existing["content"] == content and existing["user"]["login"] == author["login"]:
                return json_response(200, existing)
        reaction_id = self.state.new_id()
        reaction: JSON = {
            "id": reaction_id,
            "node_id": f"REA_{reaction_id}",
            "user": author,
            "content": content,
            "created_at": now(),
        }
        reactions.append(reaction)
        return json_response(201, reaction)

    def delete_reaction(
        self, request: Request, body: Any, repo: Repo, reaction_id: str, **on: str
    ) -> Response:
        reactions = self._reactions(repo, on)
        kept = [r for r in reactions if r["id"] != int(reaction_id)]
        if len(kept) == len(reactions):
            raise not_found()
        reactions[:] = kept
        return Response(status_code=204)
