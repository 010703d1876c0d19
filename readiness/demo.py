"""The demo release: the Billing Gateway minutes the teams wrote by hand, built through services.

Loading it twice changes nothing. Demo logins are created only when DEBUG is on.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from readiness import services
from readiness.models import Action, Decision, Evidence, Participant, Person, Release
from readiness.permissions import FACILITATORS, MANAGERS

SAO_PAULO = "America/Sao_Paulo"
RELEASE_NAME = "Billing Gateway"
RELEASE_DATE = dt.date(2024, 7, 15)

PEOPLE = {
    "Marina Lopes": "FinOps / Platform Ops",
    "Lucas Azevedo": "PM Billing",
    "Camila Duarte": "Security Lead",
    "Rafaela Moura": "Support Manager",
    "Guilherme Prado": "Controller",
    "Ana Souza": "SRE Lead",
    "Júlia Martins": "Operations Manager",
}
MEMBERS = [
    ("Produto", "Lucas Azevedo"),
    ("Segurança", "Camila Duarte"),
    ("Suporte", "Rafaela Moura"),
    ("Finanças", "Guilherme Prado"),
]
OBSERVERS = ["Ana Souza", "Júlia Martins"]
AGENDA = [
    "Resumo das métricas QA (E2E, contratos, acessibilidade, performance pendente).",
    "Revisão de evidências de compliance (DPIA, PCI, KPIs pós-release).",
    "Situação dos guardrails e custos FinOps.",
    "Avaliação dos riscos residuais e plano de mitigação.",
    "Decisão final e próximos passos.",
]
DECISION = (
    "Consenso pelo GO condicionado à execução do check BILL-230 antes da janela de deploy "
    "e confirmação dos dashboards de retenção."
)
CONDITIONS = [
    ("Execução do check BILL-230 antes da janela de deploy.", "BILL-230"),
    ("Confirmação dos dashboards de retenção.", ""),
]
ACTIONS = [
    (
        "A1",
        "Ana Souza",
        "Reexecutar o script k6 e anexar resultados no relatório QA.",
        dt.date(2024, 7, 16),
        Action.Kind.ACTION,
    ),
    (
        "A2",
        "Camila Duarte",
        "Coordenar validação jurídica das evidências de retenção e atualizar o dossiê de "
        "compliance.",
        dt.date(2024, 7, 17),
        Action.Kind.ACTION,
    ),
    (
        "A3",
        "Lucas Azevedo",
        "Acompanhar a integração do gateway externo (BILL-230) e comunicar conclusão no canal "
        "#billing-launch.",
        dt.date(2024, 7, 18),
        Action.Kind.ACTION,
    ),
    (
        "A4",
        "Marina Lopes",
        "Revisar retenção de métricas de observabilidade e publicar recomendação FinOps.",
        dt.date(2024, 7, 19),
        Action.Kind.ACTION,
    ),
    (
        "M1",
        "Rafaela Moura",
        "Manter o runbook de suporte atualizado nas primeiras 24h e registrar incidentes em "
        "quality/observability/runbooks/disaster-recovery.md.",
        None,
        Action.Kind.MONITORING,
    ),
]
EVIDENCE = [
    (
        "Resumo completo do go/no-go",
        "releases/2024-07-15-billing-gateway/go-no-go.md",
        Evidence.Category.SUMMARY,
    ),
    (
        "Relatório QA",
        "releases/staging/2024.07.10-rc1/quality/test-report.md",
        Evidence.Category.QA,
    ),
    (
        "Dossiê de compliance",
        "docs/compliance/releases/2024-07-15-billing-gateway/",
        Evidence.Category.COMPLIANCE,
    ),
    ("Relatório FinOps", "analytics/finops/reports/2025-11.md", Evidence.Category.FINOPS),
    ("Matriz de riscos", "docs/roadmap-riscos.md", Evidence.Category.RISK),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    person: str
    group: str | None


DEMO_LOGINS = [
    DemoLogin("marina", "readiness-demo", "facilitator", "Marina Lopes", FACILITATORS),
    DemoLogin("ana", "readiness-demo", "owner", "Ana Souza", None),
    DemoLogin("julia", "readiness-demo", "manager", "Júlia Martins", MANAGERS),
]


@dataclass
class DemoResult:
    release: Release
    created: bool
    logins: list[DemoLogin]


@transaction.atomic
def load_demo() -> DemoResult:
    """Build the sample release unless it exists; add demo logins when DEBUG is on."""
    slug = f"{RELEASE_DATE.isoformat()}-billing-gateway"
    release = Release.objects.filter(slug=slug).first()
    created = release is None
    if created:
        release = _build_release()
    logins = _ensure_logins() if settings.DEBUG else []
    return DemoResult(release=release, created=created, logins=logins)


def _build_release() -> Release:
    user = None  # The demo is loaded by the system, not by a person.
    people = {
        name: services.person_get_or_create(user=user, name=name, title=title, as_of=RELEASE_DATE)
        for name, title in PEOPLE.items()
    }
    release = services.release_create(
        user=user, name=RELEASE_NAME, planned_date=RELEASE_DATE, language="pt-br"
    )
    tz = zoneinfo.ZoneInfo(SAO_PAULO)
    session = services.session_schedule(
        user=user,
        release=release,
        title="Sessão de Go/No-Go",
        scheduled_at=dt.datetime(2024, 7, 15, 14, 0, tzinfo=tz),
        time_zone=SAO_PAULO,
        objective=(
            "Validar readiness cruzando QA, compliance, FinOps e riscos residuais antes da "
            "promoção para produção."
        ),
        facilitator=people["Marina Lopes"],
    )
    for area, name in MEMBERS:
        services.participant_add(user=user, session=session, person=people[name], area=area)
    for name in OBSERVERS:
        services.participant_add(
            user=user, session=session, person=people[name], role=Participant.Role.OBSERVER
        )
    for title in AGENDA:
        services.agenda_item_add(user=user, session=session, title=title)
    services.decision_record(
        user=user,
        session=session,
        outcome=Decision.Outcome.CONDITIONAL_GO,
        rationale=DECISION,
        method=Decision.Method.CONSENSUS,
        conditions=[services.ConditionSpec(text=t, reference=r) for t, r in CONDITIONS],
        recorded_at=dt.datetime(2024, 7, 15, 15, 0, tzinfo=tz),
    )
    for code, owner, description, due, kind in ACTIONS:
        services.action_create(
            user=user,
            session=session,
            code=code,
            description=description,
            owner=people[owner],
            due_date=due,
            kind=kind,
        )
    for title, location, category in EVIDENCE:
        services.evidence_add(
            user=user, session=session, title=title, location=location, category=category
        )
    services.session_close(user=user, session=session, expected_version=session.version)
    return release


def _ensure_logins() -> list[DemoLogin]:
    User = get_user_model()
    for login in DEMO_LOGINS:
        first, _, last = login.person.partition(" ")
        user, made = User.objects.get_or_create(
            username=login.username, defaults={"first_name": first, "last_name": last}
        )
        if made:
            user.set_password(login.password)
            user.save(update_fields=["password"])
        if login.group:
            user.groups.add(Group.objects.get(name=login.group))
        person = Person.objects.get(name=login.person)
        if person.user_id != user.pk:
            services.person_link_user(user=None, person=person, login=user)
    return DEMO_LOGINS
