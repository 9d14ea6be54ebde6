"""Respondent interface texts in the questionnaire's language.

The staff interface speaks German and English (Babel catalogue). Respondents read the
questionnaire in its own languages, so the *chrome* around it – buttons, progress,
error messages, the privacy box – must follow: German text is the message id, as
everywhere (and extracted into the catalogue as usual); English comes from the
catalogue when it has a translation, else from the table below; Turkish and Arabic
come from the table below. Any other questionnaire language falls back to the
interface language (catalogue).

Templates of the respondent side get :func:`template_gettext` as ``_``; Python code
calls :func:`translate`. ``tests/umfrage/test_teilnahme_texts.py`` checks that every
``_('…')`` of the respondent templates is in the table for every language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.core import UnknownLocaleError
from babel.dates import format_date
from flask_babel import force_locale, get_translations
from markupsafe import Markup

from fragebogen.errors import Problem
from fragebogen.model import Page, Question, QuestionType, Text
from fragebogen.validation import CONSTRAINT_MESSAGE, answer_fields

from .path_texts import PATH_TEXTS

#: Languages with respondent texts of their own (German is the message id).
RESPONDENT_LANGUAGES = ("de", "en", "tr", "ar")


def N_(text: str) -> str:  # noqa: N802 - the usual gettext marker name
    """Marks a message for extraction; translated later with :func:`translate`."""
    return text


# German message id -> {language: text}. Keep the German wording identical to the
# templates; placeholders are %(name)s.
TEXTS: dict[str, dict[str, str]] = {
    # base layout
    "Zum Inhalt springen": {
        "en": "Skip to content",
        "tr": "İçeriğe geç",
        "ar": "انتقل إلى المحتوى",
    },
    "Hauptnavigation": {
        "en": "Main navigation",
        "tr": "Ana gezinme",
        "ar": "التنقل الرئيسي",
    },
    "Rechtliches": {"en": "Legal", "tr": "Yasal bilgiler", "ar": "معلومات قانونية"},
    "Barrierefreiheit": {
        "en": "Accessibility",
        "tr": "Erişilebilirlik",
        "ar": "إمكانية الوصول",
    },
    "Datenschutz": {"en": "Privacy", "tr": "Veri koruma", "ar": "حماية البيانات"},
    "Datenquellen": {
        "en": "Data sources",
        "tr": "Veri kaynakları",
        "ar": "مصادر البيانات",
    },
    "Anmeldung für Mitarbeitende": {
        "en": "Staff login",
        "tr": "Personel girişi",
        "ar": "تسجيل دخول الموظفين",
    },
    "Sprache": {"en": "Language", "tr": "Dil", "ar": "اللغة"},
    "Barriere melden": {
        "en": "Report a barrier",
        "tr": "Erişilebilirlik sorunu bildir",
        "ar": "الإبلاغ عن عائق",
    },
    "Fehler": {"en": "Error", "tr": "Hata", "ar": "خطأ"},
    # landing page
    "Sprache des Fragebogens wählen": {
        "en": "Choose the language of the questionnaire",
        "tr": "Anketin dilini seçin",
        "ar": "اختاروا لغة الاستبيان",
    },
    "Durchgeführt von": {
        "en": "Conducted by",
        "tr": "Anketi yürüten",
        "ar": "الجهة المنفذة",
    },
    "Dauer": {"en": "Duration", "tr": "Süre", "ar": "المدة"},
    "etwa %(minutes)s Minuten": {
        "en": "about %(minutes)s minutes",
        "tr": "yaklaşık %(minutes)s dakika",
        "ar": "حوالي %(minutes)s دقائق",
    },
    "Teilnahme möglich bis": {
        "en": "You can take part until",
        "tr": "Son katılım tarihi",
        "ar": "يمكن المشاركة حتى",
    },
    "Ihre Antworten sind anonym": {
        "en": "Your answers are anonymous",
        "tr": "Cevaplarınız anonimdir",
        "ar": "إجاباتكم مجهولة الهوية",
    },
    "Wir fragen nicht nach Ihrem Namen oder Ihrer Adresse. Wir speichern keine "
    "IP-Adresse, keine Gerätekennung und keine Uhrzeit – nur das Datum.": {
        "en": "We do not ask for your name or address. We store no IP address, no "
        "device identifier and no time of day – only the date.",
        "tr": "Adınızı veya adresinizi sormuyoruz. IP adresi, cihaz kimliği veya "
        "saat bilgisi kaydetmiyoruz – yalnızca tarihi kaydediyoruz.",
        "ar": "لا نسألكم عن اسمكم أو عنوانكم. لا نحفظ عنوان IP ولا معرّف الجهاز "
        "ولا الوقت – بل التاريخ فقط.",
    },
    "Zweck: Die Antworten werden zusammengefasst ausgewertet, um Angebote zu "
    "planen. Ergebnisse werden nur für Gruppen veröffentlicht, nie für einzelne "
    "Personen.": {
        "en": "Purpose: the answers are analysed together to plan services. Results "
        "are published only for groups, never for individuals.",
        "tr": "Amaç: Cevaplar, hizmetleri planlamak için toplu olarak "
        "değerlendirilir. Sonuçlar yalnızca gruplar için yayımlanır, hiçbir zaman "
        "tek tek kişiler için yayımlanmaz.",
        "ar": "الغرض: تُحلَّل الإجابات مجتمعةً من أجل تخطيط الخدمات. تُنشر النتائج "
        "للمجموعات فقط، ولا تُنشر أبدًا لأفراد بعينهم.",
    },
    "Die Teilnahme ist freiwillig. Sie können jede Frage überspringen, die nicht als "
    "Pflichtfrage markiert ist.": {
        "en": "Taking part is voluntary. You can skip any question that is not "
        "marked as required.",
        "tr": "Katılım gönüllüdür. Zorunlu olarak işaretlenmemiş her soruyu "
        "atlayabilirsiniz.",
        "ar": "المشاركة طوعية. يمكنكم تخطي أي سؤال غير مُعلَّم بأنه إلزامي.",
    },
    "Die Antworten werden spätestens %(months)s Monate nach dem Ende der Befragung "
    "gelöscht.": {
        "en": "The answers are deleted at the latest %(months)s months after the "
        "survey ends.",
        "tr": "Cevaplar en geç anketin bitiminden %(months)s ay sonra silinir.",
        "ar": "تُحذف الإجابات في موعد أقصاه %(months)s شهرًا بعد انتهاء الاستطلاع.",
    },
    "Verantwortlich": {"en": "Responsible", "tr": "Sorumlu", "ar": "الجهة المسؤولة"},
    "Alle Hinweise zum Datenschutz": {
        "en": "Full privacy notice",
        "tr": "Veri korumaya ilişkin tüm bilgiler",
        "ar": "جميع المعلومات حول حماية البيانات",
    },
    "Diese Befragung ist beendet. Vielen Dank für Ihr Interesse.": {
        "en": "This survey has ended. Thank you for your interest.",
        "tr": "Bu anket sona erdi. İlginiz için teşekkür ederiz.",
        "ar": "انتهى هذا الاستطلاع. شكرًا لاهتمامكم.",
    },
    "Diese Befragung hat noch nicht begonnen. Sie können ab dem %(date)s teilnehmen.": {
        "en": "This survey has not started yet. You can take part from %(date)s.",
        "tr": "Bu anket henüz başlamadı. %(date)s tarihinden itibaren "
        "katılabilirsiniz.",
        "ar": "لم يبدأ هذا الاستطلاع بعد. يمكنكم المشاركة اعتبارًا من %(date)s.",
    },
    "Sie haben diese Befragung auf diesem Gerät bereits abgeschlossen. Vielen Dank!": {
        "en": "You have already completed this survey on this device. Thank you!",
        "tr": "Bu anketi bu cihazda zaten tamamladınız. Teşekkür ederiz!",
        "ar": "لقد أكملتم هذا الاستطلاع على هذا الجهاز بالفعل. شكرًا لكم!",
    },
    "Bitte prüfen Sie Ihre Angaben": {
        "en": "Please check your answers",
        "tr": "Lütfen bilgilerinizi kontrol edin",
        "ar": "يرجى التحقق من إجاباتكم",
    },
    "Einladungscode": {
        "en": "Invitation code",
        "tr": "Davet kodu",
        "ar": "رمز الدعوة",
    },
    "falls Sie einen haben": {
        "en": "if you have one",
        "tr": "varsa",
        "ar": "إن وُجد",
    },
    "Sie finden den Code in Ihrem Einladungsschreiben, zum Beispiel ABCDE-12345.": {
        "en": "You will find the code in your invitation letter, for example "
        "ABCDE-12345.",
        "tr": "Kodu davet mektubunuzda bulabilirsiniz, örneğin ABCDE-12345.",
        "ar": "تجدون الرمز في رسالة الدعوة، مثلًا ABCDE-12345.",
    },
    "Weiter ausfüllen": {
        "en": "Continue",
        "tr": "Doldurmaya devam et",
        "ar": "متابعة التعبئة",
    },
    "Für eine andere Person neu beginnen": {
        "en": "Start again for another person",
        "tr": "Başka bir kişi için yeniden başla",
        "ar": "البدء من جديد لشخص آخر",
    },
    "Befragung starten": {
        "en": "Start the survey",
        "tr": "Ankete başla",
        "ar": "بدء الاستطلاع",
    },
    "Sie haben schon angefangen? Mit Ihrem Code zum Weitermachen fortsetzen": {
        "en": "Already started? Continue with your resume code",
        "tr": "Daha önce başladınız mı? Devam kodunuzla sürdürün",
        "ar": "هل بدأتم من قبل؟ تابعوا باستخدام رمز المتابعة",
    },
    "Bitte geben Sie Ihren Einladungscode ein.": {
        "en": "Please enter your invitation code.",
        "tr": "Lütfen davet kodunuzu girin.",
        "ar": "يرجى إدخال رمز الدعوة.",
    },
    "Diesen Einladungscode kennen wir nicht. Bitte prüfen Sie, ob Sie ihn richtig "
    "abgetippt haben.": {
        "en": "We do not recognise this invitation code. Please check that you "
        "typed it correctly.",
        "tr": "Bu davet kodunu tanımıyoruz. Lütfen doğru yazıp yazmadığınızı "
        "kontrol edin.",
        "ar": "لا نعرف رمز الدعوة هذا. يرجى التحقق من كتابته بشكل صحيح.",
    },
    # question pages
    "Schritt %(position)s von %(total)s": {
        "en": "Step %(position)s of %(total)s",
        "tr": "Adım %(position)s / %(total)s",
        "ar": "الخطوة %(position)s من %(total)s",
    },
    "Auf dieser Seite fehlen noch Antworten, bevor Sie den Fragebogen abschicken "
    "können.": {
        "en": "Some answers on this page are still missing before you can send the "
        "questionnaire.",
        "tr": "Anketi gönderebilmeniz için bu sayfada hâlâ eksik cevaplar var.",
        "ar": "لا تزال بعض الإجابات في هذه الصفحة ناقصة قبل أن تتمكنوا من إرسال "
        "الاستبيان.",
    },
    "Ihre Eingaben auf dieser Seite wurden noch nicht gespeichert.": {
        "en": "Your entries on this page have not been saved yet.",
        "tr": "Bu sayfadaki girişleriniz henüz kaydedilmedi.",
        "ar": "لم يتم حفظ ما أدخلتموه في هذه الصفحة بعد.",
    },
    "Zurück, ohne diese Seite zu speichern": {
        "en": "Go back without saving this page",
        "tr": "Bu sayfayı kaydetmeden geri dön",
        "ar": "الرجوع دون حفظ هذه الصفحة",
    },
    "Weiter": {"en": "Next", "tr": "İleri", "ar": "التالي"},
    "Zurück": {"en": "Back", "tr": "Geri", "ar": "رجوع"},
    "Speichern und später fortsetzen": {
        "en": "Save and continue later",
        "tr": "Kaydet ve daha sonra devam et",
        "ar": "الحفظ والمتابعة لاحقًا",
    },
    "Pflichtfrage": {"en": "required", "tr": "zorunlu", "ar": "إلزامي"},
    "Ja, ich stimme zu.": {
        "en": "Yes, I agree.",
        "tr": "Evet, kabul ediyorum.",
        "ar": "نعم، أوافق.",
    },
    "bitte angeben": {
        "en": "please specify",
        "tr": "lütfen belirtin",
        "ar": "يرجى التحديد",
    },
    # district question
    "Ausgewählt:": {"en": "Selected:", "tr": "Seçilen:", "ar": "المُختار:"},
    "Noch kein Gebiet ausgewählt.": {
        "en": "No area selected yet.",
        "tr": "Henüz bir bölge seçilmedi.",
        "ar": "لم يتم اختيار أي منطقة بعد.",
    },
    "%(count)s Treffer": {
        "en": "%(count)s results",
        "tr": "%(count)s sonuç",
        "ar": "%(count)s نتيجة",
    },
    "Kein Gebiet gefunden. Bitte prüfen Sie die Schreibweise oder wählen Sie aus "
    "der Liste.": {
        "en": "No area found. Please check the spelling or choose from the list.",
        "tr": "Bölge bulunamadı. Lütfen yazımı kontrol edin veya listeden seçin.",
        "ar": "لم يتم العثور على أي منطقة. يرجى التحقق من الكتابة أو الاختيار من "
        "القائمة.",
    },
    "Karte vergrößern": {
        "en": "Zoom in",
        "tr": "Haritayı büyüt",
        "ar": "تكبير الخريطة",
    },
    "Karte verkleinern": {
        "en": "Zoom out",
        "tr": "Haritayı küçült",
        "ar": "تصغير الخريطة",
    },
    "Ganze Karte": {
        "en": "Whole map",
        "tr": "Haritanın tamamı",
        "ar": "الخريطة كاملة",
    },
    "Tippen oder klicken Sie auf Ihr Gebiet. Mit + und − vergrößern Sie die Karte; "
    "ziehen Sie, um sie zu verschieben.": {
        "en": "Tap or click your area. Use + and − to zoom; drag to move the map.",
        "tr": "Bölgenize dokunun veya tıklayın. Haritayı + ve − ile büyütüp "
        "küçültebilir, sürükleyerek kaydırabilirsiniz.",
        "ar": "انقروا أو المسوا منطقتكم. استخدموا + و − لتكبير الخريطة وتصغيرها، "
        "واسحبوها لتحريكها.",
    },
    "Gebiet suchen": {
        "en": "Search for your area",
        "tr": "Bölge ara",
        "ar": "البحث عن المنطقة",
    },
    "Geben Sie den Namen Ihres Stadtteils ein und wählen Sie ihn aus den Treffern.": {
        "en": "Type the name of your district and choose it from the results.",
        "tr": "Semtinizin adını yazın ve sonuçlardan seçin.",
        "ar": "اكتبوا اسم حيّكم واختاروه من النتائج.",
    },
    "Gebiet aus der Liste wählen": {
        "en": "Choose your area from the list",
        "tr": "Bölgeyi listeden seçin",
        "ar": "اختاروا المنطقة من القائمة",
    },
    "– bitte wählen –": {
        "en": "– please choose –",
        "tr": "– lütfen seçin –",
        "ar": "– يرجى الاختيار –",
    },
    "Weitere Gebiete": {
        "en": "Other areas",
        "tr": "Diğer bölgeler",
        "ar": "مناطق أخرى",
    },
    "Keine Angabe": {"en": "No answer", "tr": "Belirtilmemiş", "ar": "دون إجابة"},
    # resume
    "Mit Ihrem Code weitermachen": {
        "en": "Continue with your code",
        "tr": "Kodunuzla devam edin",
        "ar": "المتابعة باستخدام الرمز",
    },
    "Zu diesem Code haben wir keinen angefangenen Fragebogen gefunden. Bitte prüfen "
    "Sie den Code.": {
        "en": "We found no started questionnaire for this code. Please check the code.",
        "tr": "Bu koda ait başlatılmış bir anket bulamadık. Lütfen kodu kontrol edin.",
        "ar": "لم نجد استبيانًا تم البدء فيه بهذا الرمز. يرجى التحقق من الرمز.",
    },
    "Code zum Weitermachen": {
        "en": "Resume code",
        "tr": "Devam kodu",
        "ar": "رمز المتابعة",
    },
    "Zum Beispiel ABCDE-12345. Groß- und Kleinschreibung und Bindestriche sind egal.": {
        "en": "For example ABCDE-12345. Upper or lower case and hyphens do not matter.",
        "tr": "Örneğin ABCDE-12345. Büyük/küçük harf ve tireler önemli değildir.",
        "ar": "مثلًا ABCDE-12345. لا يهم استخدام الأحرف الكبيرة أو الصغيرة أو الشرطات.",
    },
    "Weitermachen": {"en": "Continue", "tr": "Devam et", "ar": "متابعة"},
    "Zur Startseite der Befragung": {
        "en": "To the start page of the survey",
        "tr": "Anketin başlangıç sayfasına",
        "ar": "إلى الصفحة الرئيسية للاستطلاع",
    },
    # continue later
    "Ihre Antworten sind gespeichert": {
        "en": "Your answers have been saved",
        "tr": "Cevaplarınız kaydedildi",
        "ar": "تم حفظ إجاباتكم",
    },
    "Sie können später weitermachen – auch auf einem anderen Gerät. Notieren Sie "
    "sich dafür diesen Code:": {
        "en": "You can continue later – on another device too. Write down this code:",
        "tr": "Daha sonra devam edebilirsiniz – başka bir cihazda da. Bunun için "
        "bu kodu not edin:",
        "ar": "يمكنكم المتابعة لاحقًا – حتى على جهاز آخر. دوّنوا لذلك هذا الرمز:",
    },
    "Oder speichern Sie diesen Link als Lesezeichen:": {
        "en": "Or bookmark this link:",
        "tr": "Ya da bu bağlantıyı yer imlerinize ekleyin:",
        "ar": "أو احفظوا هذا الرابط في المفضلة:",
    },
    "Geben Sie den Code nicht weiter: Wer ihn kennt, kann Ihre bisherigen Antworten "
    "sehen und ändern. Nach dem Abschicken des Fragebogens ist der Code "
    "ungültig.": {
        "en": "Do not share the code: anyone who knows it can see and change your "
        "answers so far. Once you send the questionnaire, the code is no longer "
        "valid.",
        "tr": "Kodu kimseyle paylaşmayın: Kodu bilen herkes şimdiye kadarki "
        "cevaplarınızı görebilir ve değiştirebilir. Anketi gönderdikten sonra kod "
        "geçersiz olur.",
        "ar": "لا تشاركوا الرمز مع أحد: من يعرفه يمكنه رؤية إجاباتكم حتى الآن "
        "وتغييرها. بعد إرسال الاستبيان يصبح الرمز غير صالح.",
    },
    "Auf diesem Gerät können Sie innerhalb von 24 Stunden auch ohne Code "
    "weitermachen.": {
        "en": "On this device you can also continue without the code within 24 hours.",
        "tr": "Bu cihazda 24 saat içinde kod olmadan da devam edebilirsiniz.",
        "ar": "على هذا الجهاز يمكنكم المتابعة خلال 24 ساعة دون الحاجة إلى الرمز أيضًا.",
    },
    "Jetzt weiter ausfüllen": {
        "en": "Continue now",
        "tr": "Şimdi doldurmaya devam et",
        "ar": "المتابعة الآن",
    },
    # thanks
    "Vielen Dank": {"en": "Thank you", "tr": "Teşekkürler", "ar": "شكرًا"},
    "Vielen Dank für Ihre Teilnahme!": {
        "en": "Thank you for taking part!",
        "tr": "Katılımınız için teşekkür ederiz!",
        "ar": "شكرًا لمشاركتكم!",
    },
    "Ihre Antworten sind gespeichert. Sie helfen, Angebote dort zu schaffen, wo sie "
    "gebraucht werden.": {
        "en": "Your answers have been saved. They help to create services where "
        "they are needed.",
        "tr": "Cevaplarınız kaydedildi. Hizmetlerin ihtiyaç duyulan yerlerde "
        "oluşturulmasına yardımcı oluyorsunuz.",
        "ar": "تم حفظ إجاباتكم. إنها تساعد على توفير الخدمات حيث تشتد الحاجة إليها.",
    },
    "Sie können dieses Fenster jetzt schließen.": {
        "en": "You can now close this window.",
        "tr": "Bu pencereyi şimdi kapatabilirsiniz.",
        "ar": "يمكنكم الآن إغلاق هذه النافذة.",
    },
    "Fragen zur Befragung?": {
        "en": "Questions about the survey?",
        "tr": "Anketle ilgili sorularınız mı var?",
        "ar": "هل لديكم أسئلة حول الاستطلاع؟",
    },
    # expired session, rate limit
    "Ihre Sitzung ist abgelaufen": {
        "en": "Your session has expired",
        "tr": "Oturumunuzun süresi doldu",
        "ar": "انتهت صلاحية جلستكم",
    },
    "Die Seite war zu lange geöffnet, deshalb konnten wir die letzte Eingabe nicht "
    "speichern. Alles, was Sie vorher gespeichert haben, ist noch da.": {
        "en": "The page was open for too long, so we could not save your last "
        "entry. Everything you saved before is still there.",
        "tr": "Sayfa çok uzun süre açık kaldığı için son girişinizi kaydedemedik. "
        "Daha önce kaydettiğiniz her şey hâlâ duruyor.",
        "ar": "ظلت الصفحة مفتوحة لفترة طويلة جدًا، لذلك لم نتمكن من حفظ آخر إدخال "
        "لكم. كل ما حفظتموه من قبل لا يزال موجودًا.",
    },
    "Die Befragung braucht ein technisch notwendiges Sitzungs-Cookie. Falls Ihr "
    "Browser Cookies blockiert, erlauben Sie es bitte für diese Seite.": {
        "en": "The survey needs a technically necessary session cookie. If your "
        "browser blocks cookies, please allow it for this site.",
        "tr": "Anket, teknik olarak gerekli bir oturum çerezine ihtiyaç duyar. "
        "Tarayıcınız çerezleri engelliyorsa lütfen bu site için izin verin.",
        "ar": "يحتاج الاستطلاع إلى ملف تعريف ارتباط (كوكي) ضروري تقنيًا للجلسة. إذا "
        "كان متصفحكم يحظر ملفات تعريف الارتباط، يرجى السماح به لهذا الموقع.",
    },
    "Zu viele Versuche": {
        "en": "Too many attempts",
        "tr": "Çok fazla deneme",
        "ar": "محاولات كثيرة جدًا",
    },
    "Es wurden zu oft falsche Codes eingegeben. Bitte warten Sie einige Minuten und "
    "versuchen Sie es dann noch einmal.": {
        "en": "Wrong codes were entered too often. Please wait a few minutes and "
        "then try again.",
        "tr": "Çok sık yanlış kod girildi. Lütfen birkaç dakika bekleyin ve sonra "
        "tekrar deneyin.",
        "ar": "تم إدخال رموز خاطئة مرات كثيرة. يرجى الانتظار بضع دقائق ثم المحاولة "
        "مرة أخرى.",
    },
    # answer problems (fragebogen.validation codes)
    "Bitte beantworten Sie diese Frage.": {
        "en": "Please answer this question.",
        "tr": "Lütfen bu soruyu cevaplayın.",
        "ar": "يرجى الإجابة عن هذا السؤال.",
    },
    "Bitte stimmen Sie zu, um fortzufahren.": {
        "en": "Please agree to continue.",
        "tr": "Devam etmek için lütfen onay verin.",
        "ar": "يرجى الموافقة للمتابعة.",
    },
    "Bitte wählen Sie eine der angebotenen Antworten.": {
        "en": "Please choose one of the answers offered.",
        "tr": "Lütfen sunulan cevaplardan birini seçin.",
        "ar": "يرجى اختيار إحدى الإجابات المعروضة.",
    },
    "Diese Antwort hat ein ungültiges Format.": {
        "en": "This answer has an invalid format.",
        "tr": "Bu cevabın biçimi geçersiz.",
        "ar": "صيغة هذه الإجابة غير صالحة.",
    },
    "Bitte kürzen Sie Ihre Antwort auf höchstens %(limit)s Zeichen.": {
        "en": "Please shorten your answer to at most %(limit)s characters.",
        "tr": "Lütfen cevabınızı en fazla %(limit)s karaktere kısaltın.",
        "ar": "يرجى اختصار إجابتكم إلى %(limit)s حرفًا كحد أقصى.",
    },
    "„%(option)s“ kann nicht zusammen mit anderen Antworten gewählt werden.": {
        "en": "“%(option)s” cannot be chosen together with other answers.",
        "tr": "“%(option)s” başka cevaplarla birlikte seçilemez.",
        "ar": "لا يمكن اختيار «%(option)s» مع إجابات أخرى.",
    },
    "Bitte geben Sie eine ganze Zahl ein.": {
        "en": "Please enter a whole number.",
        "tr": "Lütfen bir tam sayı girin.",
        "ar": "يرجى إدخال عدد صحيح.",
    },
    "Bitte geben Sie eine Zahl mit höchstens %(decimals)s Nachkommastellen ein.": {
        "en": "Please enter a number with at most %(decimals)s decimal places.",
        "tr": "Lütfen en fazla %(decimals)s ondalık basamaklı bir sayı girin.",
        "ar": "يرجى إدخال رقم لا يتجاوز %(decimals)s منازل عشرية.",
    },
    "Erlaubt sind Werte von %(minimum)s bis %(maximum)s.": {
        "en": "Allowed values are %(minimum)s to %(maximum)s.",
        "tr": "İzin verilen değerler: %(minimum)s ile %(maximum)s arası.",
        "ar": "القيم المسموح بها من %(minimum)s إلى %(maximum)s.",
    },
    "Der Wert muss mindestens %(minimum)s sein.": {
        "en": "The value must be at least %(minimum)s.",
        "tr": "Değer en az %(minimum)s olmalıdır.",
        "ar": "يجب أن تكون القيمة %(minimum)s على الأقل.",
    },
    "Der Wert darf höchstens %(maximum)s sein.": {
        "en": "The value must be at most %(maximum)s.",
        "tr": "Değer en fazla %(maximum)s olabilir.",
        "ar": "يجب ألا تتجاوز القيمة %(maximum)s.",
    },
    "Bitte geben Sie eine Jahreszahl ein.": {
        "en": "Please enter a year.",
        "tr": "Lütfen bir yıl girin.",
        "ar": "يرجى إدخال سنة.",
    },
    "Bitte geben Sie eine vierstellige Jahreszahl ein (zum Beispiel 2015).": {
        "en": "Please enter a four-digit year (for example 2015).",
        "tr": "Lütfen dört haneli bir yıl girin (örneğin 2015).",
        "ar": "يرجى إدخال سنة من أربعة أرقام (مثلًا 2015).",
    },
    "Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ).": {
        "en": "Please enter a valid date (DD.MM.YYYY).",
        "tr": "Lütfen geçerli bir tarih girin (GG.AA.YYYY).",
        "ar": "يرجى إدخال تاريخ صالح (يوم.شهر.سنة).",
    },
    "Bitte wählen Sie Ihr Gebiet auf der Karte oder in der Liste.": {
        "en": "Please choose your area on the map or in the list.",
        "tr": "Lütfen bölgenizi haritadan veya listeden seçin.",
        "ar": "يرجى اختيار منطقتكم على الخريطة أو من القائمة.",
    },
    "Diese Antwort ist nicht zulässig.": {
        "en": "This answer is not allowed.",
        "tr": "Bu cevap geçerli değil.",
        "ar": "هذه الإجابة غير مقبولة.",
    },
    "Bitte prüfen Sie diese Antwort.": {
        "en": "Please check this answer.",
        "tr": "Lütfen bu cevabı kontrol edin.",
        "ar": "يرجى التحقق من هذه الإجابة.",
    },
}

# Codes that resume until submission (issues 10 and 18, teilnahme/access.py).
TEXTS.update(
    {
        "Mit diesem Code wurde der Fragebogen schon abgeschickt. Vielen Dank für "
        "Ihre Teilnahme! Jeder Code gilt für genau einen Fragebogen.": {
            "en": "The questionnaire has already been sent with this code. Thank "
            "you for taking part! Each code is valid for exactly one questionnaire.",
            "tr": "Bu kodla anket zaten gönderildi. Katılımınız için teşekkür "
            "ederiz! Her kod yalnızca bir anket için geçerlidir.",
            "ar": "تم إرسال الاستبيان بهذا الرمز بالفعل. شكرًا لمشاركتكم! كل رمز "
            "صالح لاستبيان واحد فقط.",
        },
        "Willkommen zurück! Ihre bisherigen Antworten sind gespeichert. Sie machen "
        "dort weiter, wo Sie aufgehört haben.": {
            "en": "Welcome back! Your answers so far have been saved. You continue "
            "where you left off.",
            "tr": "Tekrar hoş geldiniz! Şimdiye kadarki cevaplarınız kaydedildi. "
            "Kaldığınız yerden devam ediyorsunuz.",
            "ar": "مرحبًا بعودتكم! تم حفظ إجاباتكم حتى الآن. ستتابعون من حيث توقفتم.",
        },
        "Schon angefangen? Geben Sie einfach wieder den Code aus Ihrem "
        "Einladungsschreiben ein – auch auf einem anderen Gerät. Bis Sie abschicken, "
        "geht es dort weiter, wo Sie aufgehört haben.": {
            "en": "Already started? Simply enter the code from your invitation "
            "letter again – on another device too. Until you send the "
            "questionnaire, you continue where you left off.",
            "tr": "Zaten başladınız mı? Davet mektubunuzdaki kodu yeniden girin – "
            "başka bir cihazda da olur. Gönderene kadar kaldığınız yerden devam "
            "edersiniz.",
            "ar": "هل بدأتم بالفعل؟ أدخلوا ببساطة الرمز الموجود في رسالة الدعوة مرة "
            "أخرى – حتى على جهاز آخر. وإلى أن ترسلوا الاستبيان، تتابعون من حيث "
            "توقفتم.",
        },
        "Geben Sie den Code aus Ihrem Einladungsschreiben oder den Code zum "
        "Weitermachen ein, den Sie beim Unterbrechen bekommen haben – das geht auch "
        "auf einem anderen Gerät.": {
            "en": "Enter the code from your invitation letter, or the resume code you "
            "received when you interrupted the questionnaire – this also works on "
            "another device.",
            "tr": "Davet mektubunuzdaki kodu ya da ara verdiğinizde aldığınız devam "
            "kodunu girin – bu başka bir cihazda da çalışır.",
            "ar": "أدخلوا الرمز الموجود في رسالة الدعوة أو رمز المتابعة الذي حصلتم "
            "عليه عند التوقف – وهذا ممكن أيضًا على جهاز آخر.",
        },
        "Mit dem Code aus Ihrem Einladungsschreiben können Sie jederzeit "
        "weitermachen – auch auf einem anderen Gerät –, bis Sie den Fragebogen "
        "abschicken.": {
            "en": "With the code from your invitation letter you can continue at any "
            "time – on another device too – until you send the questionnaire.",
            "tr": "Davet mektubunuzdaki kodla, anketi gönderene kadar istediğiniz "
            "zaman – başka bir cihazda da – devam edebilirsiniz.",
            "ar": "بالرمز الموجود في رسالة الدعوة يمكنكم المتابعة في أي وقت – حتى "
            "على جهاز آخر – إلى أن ترسلوا الاستبيان.",
        },
    }
)

# The privacy notice and the accessibility statement (umfrage/templates/main).
TEXTS.update(
    {
        "Datenschutzhinweise": {
            "en": "Privacy notice",
            "tr": "Veri koruma bilgileri",
            "ar": "معلومات حماية البيانات",
        },
        "Datenschutzbeauftragte Stelle": {
            "en": "Data protection officer",
            "tr": "Veri koruma görevlisi",
            "ar": "مسؤول حماية البيانات",
        },
        "Was wir speichern": {
            "en": "What we store",
            "tr": "Neleri kaydediyoruz",
            "ar": "ما الذي نحفظه",
        },
        "Ihre Antworten und die Sprache, in der Sie antworten.": {
            "en": "Your answers and the language you answer in.",
            "tr": "Cevaplarınızı ve cevap verdiğiniz dili.",
            "ar": "إجاباتكم واللغة التي تجيبون بها.",
        },
        "Das Datum, an dem Sie begonnen und abgeschickt haben – keine Uhrzeit.": {
            "en": "The date on which you started and sent – no time of day.",
            "tr": "Başladığınız ve gönderdiğiniz tarihi – saat bilgisi olmadan.",
            "ar": "تاريخ البدء وتاريخ الإرسال – دون الوقت.",
        },
        "Das Gebiet, das Sie auswählen – nicht Ihre Adresse.": {
            "en": "The area you choose – not your address.",
            "tr": "Seçtiğiniz bölgeyi – adresinizi değil.",
            "ar": "المنطقة التي تختارونها – وليس عنوانكم.",
        },
        "Was wir nicht speichern": {
            "en": "What we do not store",
            "tr": "Neleri kaydetmiyoruz",
            "ar": "ما الذي لا نحفظه",
        },
        "Keine IP-Adressen, keine Browser- oder Gerätekennung, keine Namen. Auch in "
        "den Protokollen des Servers stehen sie nicht.": {
            "en": "No IP addresses, no browser or device identifiers, no names. They "
            "do not appear in the server's logs either.",
            "tr": "IP adresi, tarayıcı veya cihaz kimliği ve isim kaydetmiyoruz. "
            "Bunlar sunucu kayıtlarında da yer almaz.",
            "ar": "لا عناوين IP، ولا معرّفات للمتصفح أو الجهاز، ولا أسماء. ولا تظهر "
            "هذه البيانات في سجلات الخادم أيضًا.",
        },
        "Einladungscodes und Codes zum Weitermachen werden nur als Prüfsumme "
        "gespeichert. Bis Sie den Fragebogen abschicken, öffnet der Code aus Ihrem "
        "Einladungsschreiben Ihre angefangenen Antworten wieder, auch auf einem "
        "anderen Gerät. Beim Abschicken wird diese Verbindung gelöscht: Danach ist "
        "der Code nicht mehr mit Ihren Antworten verknüpft, und niemand kann "
        "feststellen, welche Antworten zu welchem Code gehören.": {
            "en": "Invitation codes and resume codes are stored only as checksums. "
            "Until you send the questionnaire, the code from your invitation letter "
            "opens your started answers again, on another device too. When you send "
            "it, this connection is deleted: from then on the code is no longer "
            "linked to your answers, and nobody can tell which answers belong to "
            "which code.",
            "tr": "Davet kodları ve devam kodları yalnızca sağlama toplamı olarak "
            "kaydedilir. Anketi gönderene kadar davet mektubunuzdaki kod, başka bir "
            "cihazda da başladığınız cevapları yeniden açar. Gönderdiğinizde bu "
            "bağlantı silinir: Bundan sonra kod cevaplarınızla ilişkili değildir ve "
            "hangi cevapların hangi koda ait olduğunu kimse tespit edemez.",
            "ar": "تُحفظ رموز الدعوة ورموز المتابعة كمجموع اختباري فقط. وإلى أن "
            "ترسلوا الاستبيان، يفتح الرمز الموجود في رسالة الدعوة إجاباتكم التي "
            "بدأتموها من جديد، حتى على جهاز آخر. وعند الإرسال يُحذف هذا الربط: بعد "
            "ذلك لا يعود الرمز مرتبطًا بإجاباتكم، ولا يستطيع أحد معرفة أي إجابات "
            "تعود إلى أي رمز.",
        },
        "Cookie": {"en": "Cookie", "tr": "Çerez", "ar": "ملف تعريف الارتباط"},
        "Ein technisch notwendiges Sitzungs-Cookie merkt sich, wo Sie im Fragebogen "
        "stehen. Es enthält nur eine zufällige Kennung – keinen Code und keine "
        "Antworten. Es gilt bis 24 Stunden nach Ihrem letzten Klick und wird für "
        "nichts anderes verwendet. Andere Cookies gibt es nicht.": {
            "en": "A technically necessary session cookie remembers where you are in "
            "the questionnaire. It contains only a random identifier – no code and "
            "no answers. It lasts until 24 hours after your last click and is used "
            "for nothing else. There are no other cookies.",
            "tr": "Teknik olarak gerekli bir oturum çerezi, ankette nerede "
            "kaldığınızı hatırlar. Yalnızca rastgele bir tanımlayıcı içerir – kod "
            "veya cevap içermez. Son tıklamanızdan 24 saat sonrasına kadar "
            "geçerlidir ve başka hiçbir amaçla kullanılmaz. Başka çerez yoktur.",
            "ar": "يتذكّر ملف تعريف ارتباط ضروري تقنيًا للجلسة موضعكم في الاستبيان. "
            "ولا يحتوي إلا على معرّف عشوائي – لا رمز ولا إجابات. يبقى صالحًا حتى 24 "
            "ساعة بعد آخر نقرة لكم، ولا يُستخدم لأي غرض آخر. لا توجد ملفات تعريف "
            "ارتباط أخرى.",
        },
        "Zweck": {"en": "Purpose", "tr": "Amaç", "ar": "الغرض"},
        "Die Befragung dient der Planung von Angeboten. Die Teilnahme ist freiwillig; "
        "Sie können jederzeit aufhören.": {
            "en": "The survey serves to plan services. Taking part is voluntary; you "
            "can stop at any time.",
            "tr": "Anket, hizmetlerin planlanmasına yöneliktir. Katılım gönüllüdür; "
            "istediğiniz zaman bırakabilirsiniz.",
            "ar": "يهدف الاستطلاع إلى تخطيط الخدمات. المشاركة طوعية، ويمكنكم التوقف "
            "في أي وقت.",
        },
        "Auswertung und Löschung": {
            "en": "Analysis and deletion",
            "tr": "Değerlendirme ve silme",
            "ar": "التحليل والحذف",
        },
        "Ergebnisse werden nur zusammengefasst veröffentlicht, und nur für Gruppen "
        "mit mindestens %(n)s Antworten.": {
            "en": "Results are published only in summary form, and only for groups "
            "with at least %(n)s answers.",
            "tr": "Sonuçlar yalnızca toplu olarak ve yalnızca en az %(n)s cevap "
            "içeren gruplar için yayımlanır.",
            "ar": "تُنشر النتائج بشكل مُجمَّع فقط، وللمجموعات التي تضم %(n)s إجابات "
            "على الأقل.",
        },
        "Keine Daten an Dritte": {
            "en": "No data to third parties",
            "tr": "Üçüncü taraflara veri aktarılmaz",
            "ar": "لا بيانات لأطراف ثالثة",
        },
        "Alle Inhalte dieser Seiten kommen von diesem Server. Es sind keine Dienste "
        "anderer Anbieter eingebunden: keine Schriften, keine Kartendienste, keine "
        "Statistikdienste.": {
            "en": "Everything on these pages comes from this server. No services of "
            "other providers are included: no fonts, no map services, no analytics.",
            "tr": "Bu sayfalardaki tüm içerik bu sunucudan gelir. Başka "
            "sağlayıcıların hizmetleri kullanılmaz: yazı tipi, harita veya istatistik "
            "hizmeti yoktur.",
            "ar": "يأتي كل محتوى هذه الصفحات من هذا الخادم. لا تُستخدم خدمات مزوّدين "
            "آخرين: لا خطوط ولا خدمات خرائط ولا خدمات إحصاء.",
        },
        "Ihre Rechte": {"en": "Your rights", "tr": "Haklarınız", "ar": "حقوقكم"},
        "Solange Sie den Fragebogen nicht abgeschickt haben, können Sie Ihre "
        "Antworten ändern. Nach dem Abschicken können wir Ihre Antworten keiner "
        "Person mehr zuordnen, also auch nicht einzeln herausgeben oder löschen. Sie "
        "können sich bei einer Datenschutz-Aufsichtsbehörde beschweren.": {
            "en": "Until you send the questionnaire you can change your answers. "
            "After sending, we can no longer link your answers to a person, so we "
            "cannot hand them out or delete them individually. You can complain to a "
            "data protection supervisory authority.",
            "tr": "Anketi göndermediğiniz sürece cevaplarınızı değiştirebilirsiniz. "
            "Gönderdikten sonra cevaplarınızı hiçbir kişiyle ilişkilendiremeyiz; bu "
            "nedenle tek tek veremez veya silemeyiz. Bir veri koruma denetim "
            "makamına şikâyette bulunabilirsiniz.",
            "ar": "يمكنكم تغيير إجاباتكم ما دمتم لم ترسلوا الاستبيان. بعد الإرسال لا "
            "يمكننا ربط إجاباتكم بأي شخص، ولذلك لا يمكننا تسليمها أو حذفها بشكل "
            "فردي. يمكنكم تقديم شكوى إلى إحدى الجهات الرقابية لحماية البيانات.",
        },
        "Erklärung zur Barrierefreiheit": {
            "en": "Accessibility statement",
            "tr": "Erişilebilirlik beyanı",
            "ar": "بيان إمكانية الوصول",
        },
        "%(operator)s möchte, dass alle Menschen an den Befragungen teilnehmen "
        "können. Maßstab sind die Barrierefreie-Informationstechnik-Verordnung "
        "(BITV 2.0) und die europäische Norm EN 301 549, also die WCAG 2.1 in der "
        "Stufe AA.": {
            "en": "%(operator)s wants everyone to be able to take part in its "
            "surveys. The standard is the German Accessible Information Technology "
            "Ordinance (BITV 2.0) and the European standard EN 301 549, that is WCAG "
            "2.1 at level AA.",
            "tr": "%(operator)s, herkesin anketlere katılabilmesini istiyor. Ölçüt, "
            "Almanya'nın Engelsiz Bilgi Teknolojisi Yönetmeliği (BITV 2.0) ve Avrupa "
            "standardı EN 301 549, yani AA düzeyinde WCAG 2.1'dir.",
            "ar": "تريد %(operator)s أن يتمكن الجميع من المشاركة في الاستطلاعات. "
            "المعيار المعتمد هو اللائحة الألمانية لتقنية المعلومات الخالية من "
            "العوائق (BITV 2.0) والمعيار الأوروبي EN 301 549، أي إرشادات WCAG 2.1 "
            "بالمستوى AA.",
        },
        "Stand der Vereinbarkeit": {
            "en": "Compliance status",
            "tr": "Uyumluluk durumu",
            "ar": "حالة التوافق",
        },
        "Die Seiten der Befragungen sind weitgehend barrierefrei. Diese Inhalte sind "
        "es noch nicht ganz:": {
            "en": "The survey pages are largely accessible. These parts are not yet "
            "fully accessible:",
            "tr": "Anket sayfaları büyük ölçüde erişilebilirdir. Şu içerikler henüz "
            "tam olarak erişilebilir değildir:",
            "ar": "صفحات الاستطلاعات متاحة إلى حد كبير. أما هذه المحتويات فليست "
            "متاحة بالكامل بعد:",
        },
        "Die Karte zur Auswahl des Wohngebiets lässt sich nur mit Maus, Finger oder "
        "Stift bedienen. Gleichwertig dazu gibt es direkt darunter eine Suche und "
        "eine Liste, die mit Tastatur und Screenreader funktionieren.": {
            "en": "The map for choosing your area can only be used with a mouse, "
            "finger or pen. As an equivalent, there is a search and a list directly "
            "below it that work with a keyboard and screen reader.",
            "tr": "Bölge seçimi için kullanılan harita yalnızca fare, parmak veya "
            "kalemle kullanılabilir. Eşdeğer olarak hemen altında klavye ve ekran "
            "okuyucuyla çalışan bir arama ve bir liste bulunur.",
            "ar": "لا يمكن استخدام خريطة اختيار منطقة السكن إلا بالفأرة أو الإصبع أو "
            "القلم. وكبديل مكافئ يوجد أسفلها مباشرة بحث وقائمة يعملان بلوحة المفاتيح "
            "وقارئ الشاشة.",
        },
        "Die türkischen und arabischen Texte der Bedienung wurden noch nicht von "
        "Muttersprachlerinnen und Muttersprachlern geprüft.": {
            "en": "The Turkish and Arabic interface texts have not yet been checked "
            "by native speakers.",
            "tr": "Arayüzün Türkçe ve Arapça metinleri henüz anadili bu diller olan "
            "kişilerce kontrol edilmedi.",
            "ar": "لم يراجع متحدثون أصليون بعدُ النصوص التركية والعربية لواجهة "
            "الاستخدام.",
        },
        "Erstellung dieser Erklärung": {
            "en": "Preparation of this statement",
            "tr": "Bu beyanın hazırlanması",
            "ar": "إعداد هذا البيان",
        },
        "Diese Erklärung wurde am %(date)s erstellt.": {
            "en": "This statement was prepared on %(date)s.",
            "tr": "Bu beyan %(date)s tarihinde hazırlandı.",
            "ar": "أُعدّ هذا البيان بتاريخ %(date)s.",
        },
        "Grundlage ist eine Selbstbewertung: automatische Prüfungen aller Seiten "
        "eines Beispiel-Fragebogens auf Deutsch und Arabisch (mit axe-core), Tests "
        "nur mit der Tastatur und Tests bei einer Bildschirmbreite von 320 "
        "Pixeln.": {
            "en": "It is based on a self-assessment: automated checks of every page "
            "of a sample questionnaire in German and Arabic (with axe-core), "
            "keyboard-only tests and tests at a screen width of 320 pixels.",
            "tr": "Bir öz değerlendirmeye dayanır: Örnek bir anketin Almanca ve "
            "Arapça tüm sayfalarının otomatik denetimi (axe-core ile), yalnızca "
            "klavyeyle yapılan testler ve 320 piksel ekran genişliğinde yapılan "
            "testler.",
            "ar": "يستند إلى تقييم ذاتي: فحوص آلية لجميع صفحات استبيان نموذجي "
            "باللغتين الألمانية والعربية (باستخدام axe-core)، واختبارات باستخدام "
            "لوحة المفاتيح فقط، واختبارات على شاشة بعرض 320 بكسل.",
        },
        "Barriere melden: Feedback und Kontakt": {
            "en": "Report a barrier: feedback and contact",
            "tr": "Erişilebilirlik sorunu bildirin: geri bildirim ve iletişim",
            "ar": "الإبلاغ عن عائق: الملاحظات والتواصل",
        },
        "Ist Ihnen eine Barriere aufgefallen, oder brauchen Sie den Fragebogen in "
        "einer anderen Form? Schreiben Sie uns:": {
            "en": "Have you come across a barrier, or do you need the questionnaire "
            "in another form? Write to us:",
            "tr": "Bir erişilebilirlik sorunu fark ettiniz mi veya anketi başka bir "
            "biçimde mi istiyorsunuz? Bize yazın:",
            "ar": "هل لاحظتم عائقًا، أو تحتاجون إلى الاستبيان بصيغة أخرى؟ اكتبوا لنا:",
        },
        "Schlichtungsverfahren": {
            "en": "Conciliation procedure",
            "tr": "Uzlaştırma süreci",
            "ar": "إجراء التسوية",
        },
        "Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten, "
        "können Sie sich an die Schlichtungsstelle wenden. Sie hilft, Streit "
        "zwischen Menschen mit Behinderungen und öffentlichen Stellen zu lösen. Das "
        "Verfahren ist kostenlos; Sie brauchen keinen Rechtsbeistand.": {
            "en": "If you do not receive a satisfactory answer to your feedback, you "
            "can turn to the conciliation body. It helps to resolve disputes between "
            "people with disabilities and public bodies. The procedure is free of "
            "charge; you do not need legal representation.",
            "tr": "Geri bildiriminize tatmin edici bir yanıt alamazsanız uzlaştırma "
            "kuruluna başvurabilirsiniz. Kurul, engelli kişiler ile kamu kurumları "
            "arasındaki anlaşmazlıkların çözülmesine yardımcı olur. Süreç "
            "ücretsizdir; avukata ihtiyacınız yoktur.",
            "ar": "إذا لم تتلقوا ردًا مُرضيًا على ملاحظاتكم، يمكنكم التوجه إلى هيئة "
            "التسوية. تساعد الهيئة على حل النزاعات بين الأشخاص ذوي الإعاقة والجهات "
            "العامة. الإجراء مجاني، ولا تحتاجون إلى محامٍ.",
        },
    }
)


def translate(msgid: str, language: str, **params: Any) -> str:
    """``msgid`` (German) in ``language``, formatted with ``params``."""
    text = _lookup(msgid, language)
    return text % params if params else text


def _lookup(msgid: str, language: str) -> str:
    base = language.split("-", 1)[0].lower()
    if base == "de":
        return msgid
    if base == "en":
        with force_locale("en"):
            catalogue = get_translations().ugettext(msgid)
        if catalogue != msgid:
            return str(catalogue)
    table = TEXTS.get(msgid, {})
    if base in table:
        return table[base]
    if base in RESPONDENT_LANGUAGES:
        return table.get("en", msgid)
    return str(get_translations().ugettext(msgid))


def template_gettext(language: str) -> Callable[..., Markup]:
    """The ``_`` of respondent templates: like Jinja's new-style gettext (escapes
    the parameters, always formats), but in the questionnaire's language."""

    def gettext(msgid: str, **params: Any) -> Markup:
        return Markup(_lookup(msgid, language)) % params

    return gettext


def format_day(day: date | None, language: str) -> str:
    """A date written out in the respondent's language (``26. November 2026``)."""
    if day is None:
        return ""
    try:
        return format_date(day, format="long", locale=language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_date(day, format="long", locale="de")


_CODE_MESSAGES = {
    "missing": N_("Bitte geben Sie Ihren Einladungscode ein."),
    "unknown": N_(
        "Diesen Einladungscode kennen wir nicht. Bitte prüfen Sie, ob Sie ihn "
        "richtig abgetippt haben."
    ),
    "submitted": N_(
        "Mit diesem Code wurde der Fragebogen schon abgeschickt. Vielen Dank für "
        "Ihre Teilnahme! Jeder Code gilt für genau einen Fragebogen."
    ),
}


def code_message(reason: str, language: str) -> str:
    return translate(_CODE_MESSAGES.get(reason, _CODE_MESSAGES["unknown"]), language)


# -- answer problems ------------------------------------------------------------------


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the respondent sees it: which answer field, the message in the
    questionnaire's language, the question it belongs to, the element to focus."""

    field: str
    message: str
    question_label: str
    target_id: str


def shown_problems(
    problems: Sequence[Problem],
    page: Page,
    form: Any,
    language: str,
    fallback: str,
    show: Callable[[Text], str] | None = None,
) -> list[ShownProblem]:
    """Translate ``fragebogen`` answer problems, in page order; ``show`` writes a
    question's label (with the answers it shows filled in)."""

    def label_of(text: Text) -> str:
        return show(text) if show is not None else text.get_text(language, fallback)

    from .forms import field_of, has_field

    questions = {
        name: question
        for question in page.questions
        for name in answer_fields(question)
    }
    order = list(questions)
    shown = []
    for problem in sorted(
        problems,
        key=lambda p: order.index(p.place) if p.place in order else len(order),
    ):
        question = questions.get(problem.place)
        message = problem_message(problem, question, language)
        label = ""
        target = "inhalt"
        if question is not None:
            label = label_of(question.label)
            if question.type == QuestionType.LIKERT_MATRIX:
                item = next(
                    (i for i in question.items if i.name == problem.place), None
                )
                if item is not None:
                    label = label_of(item.label)
        if has_field(form, problem.place):
            target = _target_id(field_of(form, problem.place), question, problem)
        shown.append(ShownProblem(problem.place, message, label, target))
    return shown


def _target_id(field: Any, question: Question | None, problem: Problem) -> str:
    kind = question.type if question is not None else None
    if problem.place != getattr(question, "name", None) and kind in (
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
    ):
        return str(field.id)  # the "other" text field
    if kind in (
        QuestionType.SINGLE_CHOICE,
        QuestionType.LIKERT,
        QuestionType.LIKERT_MATRIX,
        QuestionType.MULTIPLE_CHOICE,
    ) and (question is None or question.appearance != "dropdown"):
        return f"{field.id}-0"
    return str(field.id)


def _number(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _range_sentence(question: Question, language: str) -> str:
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        return translate(
            N_("Erlaubt sind Werte von %(minimum)s bis %(maximum)s."),
            language,
            minimum=_number(low),
            maximum=_number(high),
        )
    if low is not None:
        return translate(
            N_("Der Wert muss mindestens %(minimum)s sein."),
            language,
            minimum=_number(low),
        )
    if high is not None:
        return translate(
            N_("Der Wert darf höchstens %(maximum)s sein."),
            language,
            maximum=_number(high),
        )
    return ""


def problem_message(problem: Problem, question: Question | None, language: str) -> str:
    """The message for one answer problem in ``language``."""
    code = problem.code
    params: Mapping[str, Any] = problem.params or {}
    if code == "required":
        if question is not None and question.type == QuestionType.CONSENT:
            return translate(N_("Bitte stimmen Sie zu, um fortzufahren."), language)
        return translate(N_("Bitte beantworten Sie diese Frage."), language)
    if code == "invalid_option":
        return translate(
            N_("Bitte wählen Sie eine der angebotenen Antworten."), language
        )
    if code == "invalid_value":
        return translate(N_("Diese Antwort hat ein ungültiges Format."), language)
    if code == "too_long":
        return translate(
            N_("Bitte kürzen Sie Ihre Antwort auf höchstens %(limit)s Zeichen."),
            language,
            limit=params.get("limit", ""),
        )
    if code == "exclusive_option":
        label = str(params.get("option", ""))
        if question is not None:
            for option in question.options:
                if option.value == label:
                    label = option.label.get_text(language, language)
        return translate(
            N_(
                "„%(option)s“ kann nicht zusammen mit anderen Antworten gewählt werden."
            ),
            language,
            option=label,
        )
    if code in ("not_a_number", "not_an_integer", "too_many_decimals", "out_of_range"):
        if question is None:
            return translate(N_("Bitte prüfen Sie diese Antwort."), language)
        if question.decimals:
            first = translate(
                N_(
                    "Bitte geben Sie eine Zahl mit höchstens %(decimals)s "
                    "Nachkommastellen ein."
                ),
                language,
                decimals=question.decimals,
            )
        else:
            first = translate(N_("Bitte geben Sie eine ganze Zahl ein."), language)
        return " ".join(
            part for part in (first, _range_sentence(question, language)) if part
        )
    if code == "invalid_year":
        if question is not None and (
            question.minimum is not None or question.maximum is not None
        ):
            return " ".join(
                (
                    translate(N_("Bitte geben Sie eine Jahreszahl ein."), language),
                    _range_sentence(question, language),
                )
            )
        return translate(
            N_("Bitte geben Sie eine vierstellige Jahreszahl ein (zum Beispiel 2015)."),
            language,
        )
    if code == "invalid_date":
        return translate(
            N_("Bitte geben Sie ein gültiges Datum ein (TT.MM.JJJJ)."), language
        )
    if code == "invalid_district":
        return translate(
            N_("Bitte wählen Sie Ihr Gebiet auf der Karte oder in der Liste."),
            language,
        )
    if code == "constraint":
        # validate_page already chose the definition's message in this language
        if problem.message == CONSTRAINT_MESSAGE:
            return translate(N_("Diese Antwort ist nicht zulässig."), language)
        return problem.message
    return translate(N_("Bitte prüfen Sie diese Antwort."), language)


TEXTS.update(PATH_TEXTS)
