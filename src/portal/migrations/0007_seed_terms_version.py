"""The first version of the processing terms, in plain Russian, so that registration has something to accept."""

from datetime import UTC, datetime
from typing import Any

from django.db import migrations

TEXT = """Условия обработки персональных данных, версия 1.

Кто обрабатывает данные. Оператор портала и школы, в которых учатся дети, — каждый в своей части.

Какие данные. Фамилия, имя, отчество, дата рождения, СНИЛС, адрес электронной почты и номер телефона;
для ученика — запись в реестре школы, класс, оценки, домашние задания, посещаемость, проходы через
турникет и питание; переписка с учителями; уведомления.

Зачем. Чтобы вести электронный дневник, показывать его ученику, законным представителям и доверенным
лицам, которых назначил представитель, и чтобы школа могла связаться с семьёй.

Кто видит. Законные представители ребёнка и сам ученик; доверенные лица — только выбранную услугу;
учителя класса — свои предметы; классный руководитель — весь дневник класса; регистратор школы — запись в реестре.

Сроки. Данные хранятся, пока ученик учится, и в течение сроков, которые установлены законом и школой;
затем они удаляются или обезличиваются.

Ваши права. В разделе «Мои данные» видно, что хранится и кто это видел; там же можно скачать все данные.
Согласие можно отозвать, обратившись в школу или к оператору портала (152-ФЗ «О персональных данных»).
Законный представитель даёт согласие за несовершеннолетнего ребёнка."""


PUBLISHED = datetime(2020, 1, 1, tzinfo=UTC)


def seed(apps: Any, schema_editor: Any) -> None:
    TermsVersion = apps.get_model("portal", "TermsVersion")
    # Published long before any account, so that a test with a clock moved into the past still finds it current.
    TermsVersion.objects.get_or_create(version="1", defaults={"text": TEXT, "published_at": PUBLISHED})


class Migration(migrations.Migration):
    dependencies = [("portal", "0006_terms_versions_and_acceptances")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
