"""Line rules that tell page furniture from article text."""

import pytest

from indexer.ingest.boilerplate import line_rule
from indexer.text.normalize import normalize_with_digits

LONG_PARAGRAPH_WITH_COPYRIGHT_SIGN = (
    "تحمي قوانين الملكية الفكرية المؤلفين، ويشير الرمز © إلى أن العمل محمي بموجب حقوق النشر "
    + "وهو ما تنص عليه الاتفاقيات الدولية التي وقعت عليها معظم الدول منذ القرن التاسع عشر " * 4
)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("جميع الحقوق محفوظة ©️ 2024 شركة إرم ميديا - Erem Media FZ LLC", "copyright"),
        ("إذا كنت تعتقد/تعتقدين أن المقال ينتهك أيًا من المبادئ الأخلاقية", "correction request"),
        ("استعمال المضامين بموجب بند 27 أ لقانون الحقوق الأدبية لسنة 2007.", "legal notice"),
    ],
)
def test_short_footer_lines_are_furniture(line, reason):
    assert line_rule(normalize_with_digits(line)) == reason


def test_a_paragraph_about_copyright_is_article_text():
    assert line_rule(normalize_with_digits(LONG_PARAGRAPH_WITH_COPYRIGHT_SIGN)) is None
