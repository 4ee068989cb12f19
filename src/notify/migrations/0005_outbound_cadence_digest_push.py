from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notify", "0004_quiet_hours")]
    operations = [migrations.RenameModel("HeldMessage", "OutboundMessage")]
