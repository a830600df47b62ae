from django.db import migrations, models


class Migration(migrations.Migration):
    """The pending PJSIP reload becomes any pending AMI action; rows kept as ``Reload res_pjsip.so``."""

    dependencies = [
        ("provisioning", "0002_pendingpjsipreload"),
    ]

    operations = [
        migrations.RenameModel("PendingPjsipReload", "PendingAsteriskAction"),
        migrations.AddField(
            model_name="pendingasteriskaction",
            name="action",
            field=models.CharField(default="Reload", max_length=64, verbose_name="AMI action"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="pendingasteriskaction",
            name="headers",
            field=models.JSONField(blank=True, default=list, verbose_name="headers"),
        ),
        migrations.RunPython(
            lambda apps, schema_editor: apps.get_model("provisioning", "PendingAsteriskAction")
            .objects.using(schema_editor.connection.alias)
            .update(headers=[["Module", "res_pjsip.so"]]),
            migrations.RunPython.noop,
        ),
        migrations.AlterModelOptions(
            name="pendingasteriskaction",
            options={
                "ordering": ["requested_at", "pk"],
                "verbose_name": "pending Asterisk action",
                "verbose_name_plural": "pending Asterisk actions",
            },
        ),
    ]
