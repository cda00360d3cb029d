"""Which role a container plays, and the evidence for it (SPEC section 3).  Standard library only.

The image decides first (the official postgres repository, the backend or frontend ECR repository); then a
container name the user configured for a role (``backend_names = [...]``: the user's word wins).
Otherwise EVIDENCE decides, where a default role name (``web``, ``api``, ``db`` ...) weighs like a port (a
container named ``web`` on port 8000 with ``SQL_*`` variables is the backend; a tie goes to the name): the
container ports (8000 backend, 3000 frontend, 5432 database), the variable names (``DJANGO_*``/``SQL_*`` backend, ``POSTGRES_*``/``PGDATA`` database, ``NEXT_*``/``NODE_ENV`` frontend),
the command and health check (gunicorn/manage.py/uvicorn, ``next start``/node, postgres/pg_isready), and, as
weak evidence that never decides alone, a role word in the container or image name.  Today's legacy fullstack
container (port 8000, ``SQL_*``, ``DJANGO_ALLOWED_HOSTS``) is thereby the backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..config import DEFAULT, Config
from ..model import UNRESOLVED, Container, Deployment, Unknown, describe, is_symbolic
from .images import image_is_from, is_official_postgres, parse_image
from .values import as_int, items

FRONTEND = "frontend"
BACKEND = "backend"
DATABASE = "database"
ROLES = (FRONTEND, BACKEND, DATABASE)

STRONG = 2  # a port, the variables, the command or the health check: decides alone
WEAK = 1  # a role word in a name: counts only beside strong evidence

_ENV_PREFIXES = {
    BACKEND: ("DJANGO_", "SQL_"),
    DATABASE: ("POSTGRES_",),
    FRONTEND: ("NEXT_",),
}
_ENV_NAMES = {DATABASE: ("PGDATA",), FRONTEND: ("NODE_ENV",), BACKEND: ()}
_COMMAND_WORDS = {
    BACKEND: ("gunicorn", "manage.py", "uvicorn", "daphne", "django-admin"),
    FRONTEND: ("next", "node", "npm", "yarn", "pnpm"),
    DATABASE: ("postgres", "pg_ctl", "docker-entrypoint.sh postgres"),
}
_HEALTH_WORDS = {DATABASE: ("pg_isready",), BACKEND: ("/api/healthcheck", "manage.py"), FRONTEND: ()}
_IMAGE_WORDS = {FRONTEND: ("node",), BACKEND: ("python",), DATABASE: ()}
_WORD_SPLIT = re.compile(r"[^a-z0-9.]+")


@dataclass(frozen=True)
class RoleDecision:
    """A container's role (a role, None, or an Unknown) and the evidence that decided it, fit to print."""

    role: Any
    evidence: tuple[str, ...] = ()
    by_evidence: bool = False  # decided by ports/variables/command, not by the image or a configured name

    def describe(self) -> str:
        """``backend by port 8000, SQL_HOST and DJANGO_ALLOWED_HOSTS``."""
        if not isinstance(self.role, str) or not self.evidence:
            return ""
        ev = list(self.evidence)
        text = ev[0] if len(ev) == 1 else ", ".join(ev[:-1]) + " and " + ev[-1]
        return f"{self.role} by {text}"


def _name_role(name: Any, config: Config) -> str | None:
    if not isinstance(name, str):
        return None
    n = name.lower()
    for role, names in ((FRONTEND, config.frontend_names), (BACKEND, config.backend_names), (DATABASE, config.database_names)):
        if n in (x.lower() for x in names):
            return role
    return None


def _configured_names(config: Config, role: str) -> bool:
    """The user set the names of ``role`` (``backend_names = [...]``): they decide, whatever else the container shows."""
    field = {FRONTEND: "frontend_names", BACKEND: "backend_names", DATABASE: "database_names"}[role]
    return getattr(config, field) != getattr(DEFAULT, field)


def _words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(text.lower()) if w]


def _name_hints(name: Any, config: Config) -> dict[str, str]:
    """Role words inside a name (``ctj-django-stage`` -> backend): weak evidence."""
    if not isinstance(name, str):
        return {}
    words = set(_words(name.replace(".", "-")))
    out: dict[str, str] = {}
    for role, names in ((FRONTEND, config.frontend_names), (BACKEND, config.backend_names), (DATABASE, config.database_names)):
        for n in names:
            low = n.lower()
            if low in words or (len(low) >= 4 and low in name.lower()):
                out.setdefault(role, n)
    return out


def _var_names(container: Container) -> list[str]:
    names: list[str] = []
    for group in (container.environment, container.secrets):
        if isinstance(group, tuple):
            names.extend(v.name for v in group if isinstance(v.name, str))
    return names


def _command_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _evidence(container: Container, config: Config, img) -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {r: [] for r in ROLES}
    ports = {as_int(p.container_port) for p in items(container.port_mappings)} - {None}
    for role, port in ((BACKEND, config.backend_port), (FRONTEND, config.frontend_port), (DATABASE, config.postgres_port)):
        if port in ports:
            found[role].append((STRONG, f"port {port}"))
    names = _var_names(container)
    for role in ROLES:
        shown: list[str] = []
        for prefix in _ENV_PREFIXES[role]:
            hits = sorted({n for n in names if n.upper().startswith(prefix)})
            if hits:
                shown.append(hits[0] if len(hits) == 1 else f"{prefix}* variables")
        shown.extend(sorted({n for n in names if n.upper() in _ENV_NAMES[role]}))
        found[role].extend((STRONG, text) for text in shown)
    command = _command_text(container.command)
    if command:
        words = command.lower().split()
        for role in ROLES:
            for word in _COMMAND_WORDS[role]:
                if word in words or any(w.endswith("/" + word) for w in words) or (" " in word and word in command.lower()):
                    found[role].append((STRONG, f"command {word!r}"))
                    break
    health = container.health_check
    if isinstance(health, dict):
        text = _command_text(health.get("command")).lower()
        for role in ROLES:
            word = next((w for w in _HEALTH_WORDS[role] if w in text), None)
            if word:
                found[role].append((STRONG, f"health check {word!r}"))
    for role, n in _name_hints(container.name, config).items():
        found[role].append((WEAK, f"name containing {n!r}"))
    if img.repository:  # classify asks only once the image is decided
        last = img.repository.rpartition("/")[2]
        for role in _name_hints(last, config):
            found[role].append((WEAK, f"image {last!r}"))
        for role in ROLES:
            if any(w in _words(last) for w in _IMAGE_WORDS[role]):
                found[role].append((WEAK, f"image {last!r}"))
    return found


def _score(evidence: list[tuple[int, str]]) -> int:
    """Each kind of evidence counts once (three SQL_* and DJANGO_* variables are one piece of evidence)."""
    kinds = {("vars" if not text.startswith(("port ", "command ", "health check ", "name ", "image ")) else text.split(" ")[0]): w for w, text in evidence}
    return sum(kinds.values())


def classify(container: Container, deployment: Deployment, config: Config) -> RoleDecision:
    """The role of ``container`` and why (see the module docstring for the order)."""
    img = parse_image(container.image, deployment)
    if img.decided:
        if is_official_postgres(img, config):
            return RoleDecision(DATABASE, ("the official postgres image",))
        if image_is_from(img, config.backend_repository):
            return RoleDecision(BACKEND, (f"its image from {config.backend_repository!r}",))
        if image_is_from(img, config.frontend_repository):
            return RoleDecision(FRONTEND, (f"its image from {config.frontend_repository!r}",))
    by_name = _name_role(container.name, config)
    named = (f"its name {describe(container.name, quote=True)}",)
    if by_name is not None and (not img.decided or _configured_names(config, by_name)):
        return RoleDecision(by_name, named)  # the user's word wins; with the image unknown a name is all there is
    if not img.decided:
        # the image ranks first: while it is not known it may still name the backend or frontend
        # repository, so evidence cannot decide against it
        missing = img.missing if img.missing is not None else container.image
        if isinstance(missing, Unknown):
            return RoleDecision(missing)
        return RoleDecision(Unknown(UNRESOLVED, f"image of container '{describe(container.name)}'", f"{describe(missing)} does not name an ECR repository in scope"))
    found = _evidence(container, config, img)
    if by_name is not None:  # a default role name is evidence like a port, weighed against the rest
        hints = [e for e in found[by_name] if not e[1].startswith("name ")]
        found[by_name] = [*hints, (STRONG, f"name {describe(container.name, quote=True)}")]
    scores = {role: _score(ev) for role, ev in found.items()}
    best = max(scores.values())
    winners = [r for r in ROLES if scores[r] == best]
    if by_name in winners and len(winners) > 1:
        winners = [by_name]  # a tie: the name breaks it
    if best >= STRONG and len(winners) == 1 and any(w == STRONG for w, _ in found[winners[0]]):
        role = winners[0]
        return RoleDecision(role, tuple(text for _, text in sorted(found[role], key=lambda e: -e[0])), by_evidence=True)
    if is_symbolic(container.environment) or is_symbolic(container.port_mappings):
        # the evidence that could decide is not known
        return RoleDecision(Unknown(UNRESOLVED, f"role of container '{describe(container.name)}'", "its ports or variables are not known"))
    return RoleDecision(None)
