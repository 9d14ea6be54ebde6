"""Respondent texts of the questionnaire path: review page, last page, live
conditions, the map's named areas (merged into ``texts.TEXTS``)."""

from __future__ import annotations

PATH_TEXTS: dict[str, dict[str, str]] = {
    "Ihre Antworten im Überblick": {
        "en": "Your answers at a glance",
        "tr": "Cevaplarınıza genel bakış",
        "ar": "نظرة عامة على إجاباتكم",
    },
    "Bitte prüfen Sie Ihre Antworten. Mit „ändern“ kommen Sie zur Seite zurück. "
    "Erst mit „Antworten absenden“ werden Ihre Antworten endgültig abgeschickt.": {
        "en": "Please check your answers. “Change” takes you back to the page. "
        "Your answers are only sent for good when you press “Send answers”.",
        "tr": "Lütfen cevaplarınızı kontrol edin. “Değiştir” ile sayfaya geri "
        "dönersiniz. Cevaplarınız ancak “Cevapları gönder” ile kesin olarak "
        "gönderilir.",
        "ar": "يرجى مراجعة إجاباتكم. يعيدكم زر «تعديل» إلى الصفحة. لا تُرسل "
        "إجاباتكم نهائيًا إلا بالضغط على «إرسال الإجابات».",
    },
    "ändern": {"en": "change", "tr": "değiştir", "ar": "تعديل"},
    "Antworten absenden": {
        "en": "Send answers",
        "tr": "Cevapları gönder",
        "ar": "إرسال الإجابات",
    },
    "Zur Übersicht Ihrer Antworten": {
        "en": "Review your answers",
        "tr": "Cevaplarınızı gözden geçirin",
        "ar": "مراجعة إجاباتكم",
    },
    "Nicht beantwortet": {
        "en": "Not answered",
        "tr": "Cevaplanmadı",
        "ar": "لم تتم الإجابة",
    },
    "Zugestimmt": {"en": "Agreed", "tr": "Onaylandı", "ar": "تمت الموافقة"},
}
