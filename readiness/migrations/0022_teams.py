"""Teams: every release joins one default team, internal (every login reads it, as before),
whose facilitators are the members of the old site-wide `facilitators` group; the group
then goes, since a team's role is what lets someone run its releases now."""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import readiness.models.teams
from django.conf import settings
from django.db import migrations, models


FACILITATORS = "facilitators"


def _person_for(Person, user):
    """The user's person record, linked if one with their name is still unlinked, else new."""
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return person
    name = (f"{user.first_name} {user.last_name}".strip() or user.username)[:200]
    person = Person.objects.filter(name__iexact=name, user__isnull=True).first()
    if person is None:
        candidate, n = name, 1
        while Person.objects.filter(name__iexact=candidate).exists():
            n += 1
            candidate = f"{name} ({n})"
        person = Person.objects.create(name=candidate, email=user.email, name_key=candidate.casefold())
    person.user = user
    person.save(update_fields=["user"])
    return person


def into_default_team(apps, schema_editor):
    Team = apps.get_model("readiness", "Team")
    Membership = apps.get_model("readiness", "Membership")
    Release = apps.get_model("readiness", "Release")
    Person = apps.get_model("readiness", "Person")
    Group = apps.get_model("auth", "Group")
    team, _ = Team.objects.get_or_create(slug="default", defaults={"name": "Default team"})
    Release.objects.filter(team__isnull=True).update(team=team)
    group = Group.objects.filter(name=FACILITATORS).first()
    if group is None:
        return
    for user in group.user_set.order_by("pk"):
        Membership.objects.get_or_create(
            team=team, person=_person_for(Person, user), defaults={"role": "facilitator"}
        )
    group.delete()


def back_to_group(apps, schema_editor):
    Membership = apps.get_model("readiness", "Membership")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=FACILITATORS)
    for membership in Membership.objects.filter(
        team__slug="default", role="facilitator", person__user__isnull=False
    ).select_related("person"):
        group.user_set.add(membership.person.user_id)


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('readiness', '0021_template_policy'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhook',
            name='release',
            field=models.ForeignKey(blank=True, help_text='Leave empty to hear about every release of the team.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to='readiness.release', verbose_name='release'),
        ),
        migrations.CreateModel(
            name='Team',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('slug', models.SlugField(max_length=60, unique=True, verbose_name='slug')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('visibility', models.CharField(choices=[('internal', 'Internal: every login reads its releases'), ('private', 'Private: only its members and site managers read its releases')], default='internal', max_length=10, verbose_name='visibility')),
                ('default_time_zone', models.CharField(blank=True, max_length=64, verbose_name='default time zone')),
                ('default_language', models.CharField(blank=True, choices=[('pt-br', 'Brazilian Portuguese'), ('en', 'English')], max_length=10, verbose_name='default language of the minutes')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
            ],
            options={
                'verbose_name': 'team',
                'verbose_name_plural': 'teams',
                'ordering': ['name', 'pk'],
                'constraints': [models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='team_name_unique_ci'), models.CheckConstraint(condition=models.Q(('visibility__in', ['internal', 'private'])), name='team_visibility_valid')],
            },
        ),
        migrations.AddField(
            model_name='freeze',
            name='team',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='freezes', to='readiness.team', verbose_name='team'),
        ),
        migrations.AddField(
            model_name='release',
            name='team',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='releases', to='readiness.team', verbose_name='team'),
        ),
        migrations.AddField(
            model_name='sessiontemplate',
            name='team',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='templates', to='readiness.team', verbose_name='team'),
        ),
        migrations.AddField(
            model_name='webhook',
            name='team',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to='readiness.team', verbose_name='team'),
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1, editable=False, verbose_name='version')),
                ('role', models.CharField(choices=[('facilitator', 'Facilitator'), ('approver', 'Approver'), ('member', 'Member'), ('viewer', 'Viewer')], max_length=20, verbose_name='role')),
                ('area', models.CharField(blank=True, max_length=100, verbose_name='area')),
                ('source', models.CharField(choices=[('manual', 'Added by a facilitator'), ('sign_in', 'From the identity provider')], default='manual', max_length=10, verbose_name='source')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='added by')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='readiness.person', verbose_name='person')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='readiness.team', verbose_name='team')),
            ],
            options={
                'verbose_name': 'team membership',
                'verbose_name_plural': 'team memberships',
                'ordering': ['team', 'person__name', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('team', 'person'), name='membership_one_per_team'), models.CheckConstraint(condition=models.Q(('role__in', ['facilitator', 'approver', 'member', 'viewer'])), name='membership_role'), models.CheckConstraint(condition=models.Q(('source__in', ['manual', 'sign_in'])), name='membership_source')],
            },
        ),
        migrations.RunPython(into_default_team, back_to_group),
        migrations.AlterField(
            model_name='release',
            name='team',
            field=models.ForeignKey(default=readiness.models.teams.Team.default_pk, on_delete=django.db.models.deletion.PROTECT, related_name='releases', to='readiness.team', verbose_name='team'),
        ),
    ]
