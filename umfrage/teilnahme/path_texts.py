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
    # error pages under /s/<survey>, in the survey's language
    "Seite nicht gefunden": {
        "en": "Page not found",
        "tr": "Sayfa bulunamadı",
        "ar": "الصفحة غير موجودة",
    },
    "Die Seite gibt es nicht (mehr). Bitte prüfen Sie die Adresse.": {
        "en": "This page does not exist (any more). Please check the address.",
        "tr": "Bu sayfa yok (artık yok). Lütfen adresi kontrol edin.",
        "ar": "هذه الصفحة غير موجودة (أو لم تعد موجودة). يرجى التحقق من العنوان.",
    },
    "Ungültige Anfrage": {
        "en": "Invalid request",
        "tr": "Geçersiz istek",
        "ar": "طلب غير صالح",
    },
    "Die Anfrage konnte nicht verarbeitet werden.": {
        "en": "The request could not be processed.",
        "tr": "İstek işlenemedi.",
        "ar": "تعذّرت معالجة الطلب.",
    },
    "Bitte warten Sie einen Moment und versuchen Sie es dann erneut.": {
        "en": "Please wait a moment and then try again.",
        "tr": "Lütfen biraz bekleyin ve sonra tekrar deneyin.",
        "ar": "يرجى الانتظار لحظة ثم المحاولة مرة أخرى.",
    },
    "Nicht erlaubt": {
        "en": "Not allowed",
        "tr": "İzin verilmiyor",
        "ar": "غير مسموح",
    },
    "Diese Aktion ist hier nicht möglich.": {
        "en": "This action is not possible here.",
        "tr": "Bu işlem burada mümkün değil.",
        "ar": "هذا الإجراء غير ممكن هنا.",
    },
    # the district map on phones
    "Sie haben „%(name)s“ angetippt. Ist das Ihr Gebiet?": {
        "en": "You tapped “%(name)s”. Is this your area?",
        "tr": "“%(name)s” alanına dokundunuz. Bu sizin bölgeniz mi?",
        "ar": "لقد لمستم «%(name)s». هل هذه منطقتكم؟",
    },
    "Ja, dieses Gebiet wählen": {
        "en": "Yes, choose this area",
        "tr": "Evet, bu bölgeyi seç",
        "ar": "نعم، اختيار هذه المنطقة",
    },
    "Größer anzeigen": {
        "en": "Show larger",
        "tr": "Daha büyük göster",
        "ar": "عرض أكبر",
    },
}
