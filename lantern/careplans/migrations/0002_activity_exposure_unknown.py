"""Activities keep whether their urgent window counts from an unknown exposure time.

Open urgent activities made before this from a visit whose exposure time was unknown are
marked too: the protocol they were made with (shipped, or a clinic's copy with that id and
version) says which of its urgent windows count from the exposure.
"""

from django.db import migrations, models

OPEN = ("planned", "scheduled")


def _protocols(apps, protocol_id, version):
    from lantern.careplans import protocols

    found = [
        protocols.load_protocol(record.data)
        for record in apps.get_model("careplans", "ClinicProtocol").objects.filter(
            protocol_id=protocol_id, version=version
        )
    ]
    shipped = protocols.all_protocols().get(protocol_id)
    if not found and shipped is not None:  # activity ids stay the same across versions
        found.append(shipped)
    return found


def mark_unknown_exposure(apps, schema_editor):
    from lantern.careplans import protocols

    Activity = apps.get_model("careplans", "Activity")
    unknown = apps.get_model("encounters", "FollowUpAssessment").objects.filter(
        exposure_time="unknown"
    )
    found = Activity.objects.filter(
        urgent=True, status__in=OPEN, origin_visit__in=unknown.values("encounter_id")
    ).exclude(protocol_activity="")
    pairs = set(found.values_list("protocol_id", "protocol_version"))
    for protocol_id, version in sorted(pairs):
        try:
            candidates = _protocols(apps, protocol_id, version)
        except protocols.ProtocolFileError:
            continue  # a copy Lantern cannot read any more: left as it was
        ids = {
            step.id
            for protocol in candidates
            for step in protocol.compiled.steps
            if step.from_exposure
        }
        found.filter(
            protocol_id=protocol_id, protocol_version=version, protocol_activity__in=ids
        ).update(exposure_unknown=True)


class Migration(migrations.Migration):

    dependencies = [
        ('careplans', '0001_initial'),
        ('encounters', '0004_follow_up_assessment'),
    ]

    operations = [
        migrations.AddField(
            model_name='activity',
            name='exposure_unknown',
            field=models.BooleanField(default=False, verbose_name='exposure time unknown'),
        ),
        migrations.RunPython(mark_unknown_exposure, migrations.RunPython.noop),
    ]
