"""Results remember whether an urgent flag still waits for a clinician's acknowledgement,
so the flag can stay in view on every page until someone acknowledges it."""

from django.db import migrations, models

ACKNOWLEDGE_SEVERITIES = {"urgent", "imminent"}


def mark_awaiting(apps, schema_editor):
    ScreeningResult = apps.get_model("screening", "ScreeningResult")
    FlagAcknowledgement = apps.get_model("screening", "FlagAcknowledgement")
    flagged = ScreeningResult.objects.exclude(flags=[]).only("pk", "summary")
    for result in flagged.iterator():
        needed = {
            flag["code"]
            for flag in (result.summary or {}).get("flags", [])
            if flag.get("severity") in ACKNOWLEDGE_SEVERITIES
        }
        done = set(
            FlagAcknowledgement.objects.filter(result_id=result.pk).values_list("flag", flat=True)
        )
        if needed - done:
            ScreeningResult.objects.filter(pk=result.pk).update(awaiting_acknowledgement=True)


class Migration(migrations.Migration):
    dependencies = [("screening", "0003_screening_clinic")]

    operations = [
        migrations.AddField(
            model_name="screeningresult",
            name="awaiting_acknowledgement",
            field=models.BooleanField(db_index=True, default=False),
        ),
        migrations.RunPython(mark_awaiting, migrations.RunPython.noop),
    ]
