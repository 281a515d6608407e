"""Store each proposal's fit (the score without the choice bonus) so a scenario's mean and
lowest fit are one aggregate, on the same scale as every other page."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def fill_fit(apps: Any, schema_editor: Any) -> None:
    from tandem.matching.model import fit_of

    proposals = apps.get_model("matches", "ProposedMatch")
    batch = []
    for proposal in proposals.objects.only("id", "score", "contributions").iterator(
        chunk_size=2000
    ):
        contributions = proposal.contributions or []
        proposal.fit = fit_of(contributions) if contributions else max(0.0, min(1.0, proposal.score))
        batch.append(proposal)
        if len(batch) >= 2000:
            proposals.objects.bulk_update(batch, ["fit"])
            batch = []
    if batch:
        proposals.objects.bulk_update(batch, ["fit"])


class Migration(migrations.Migration):
    dependencies = [("matches", "0006_workers_leases")]

    operations = [
        migrations.AddField(
            model_name="proposedmatch",
            name="fit",
            field=models.FloatField(default=0.0),
        ),
        migrations.RunPython(fill_fit, migrations.RunPython.noop),
    ]
