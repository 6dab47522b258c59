"""Results kept a copy of the answers in their (unsealed) summary: remove it."""

from django.db import migrations


def strip_answers(apps, schema_editor):
    ScreeningResult = apps.get_model("screening", "ScreeningResult")
    for result in ScreeningResult.objects.only("pk", "summary").iterator():
        if "answers" in (result.summary or {}):
            result.summary.pop("answers")
            ScreeningResult.objects.filter(pk=result.pk).update(summary=result.summary)


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]

    operations = [migrations.RunPython(strip_answers, migrations.RunPython.noop)]
