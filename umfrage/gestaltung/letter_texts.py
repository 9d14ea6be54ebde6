"""The texts of an invitation letter in the languages letters are printed in.

Two kinds: the *fixed* parts we always print (how to take part with the code and the
QR code, the labels of the information block, the line "this survey is also
available in ...") and the *defaults* of the parts a designer may edit (subject,
salutation, body, closing, data-protection note). Letters are printed in German and
optionally a second language, whatever the staff member's UI language is, so these
texts are plain tables here rather than gettext messages.

``{title}``, ``{operator}``, ``{date}`` and ``{url}`` are filled in by
:func:`fixed_text` and :func:`default_texts`.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

#: Languages with translated fixed parts and default texts.
LETTER_LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru", "pl", "fa")

FIXED: dict[str, dict[str, str]] = {
    "de": {
        "code_heading": "So nehmen Sie teil",
        "step_open": "Öffnen Sie im Browser die Adresse",
        "step_code": "und geben Sie dort Ihren persönlichen Zugangscode ein:",
        "qr": "Oder scannen Sie den QR-Code mit dem Smartphone: "
        "Der Code ist dann schon eingetragen.",
        "until": "Sie können bis zum {date} teilnehmen.",
        "once": "Der Code gilt für einen Fragebogen. Bitte geben Sie ihn nicht "
        "weiter. Wenn Sie unterbrechen, machen Sie später mit demselben Code weiter.",
        "contact": "Ansprechperson",
        "phone": "Telefon",
        "email": "E-Mail",
        "date": "Datum",
        "letter_number": "Brief-Nr.",
        "also": "Diese Befragung gibt es auch auf Deutsch.",
    },
    "en": {
        "code_heading": "How to take part",
        "step_open": "Open this address in your browser",
        "step_code": "and enter your personal access code there:",
        "qr": "Or scan the QR code with your smartphone: "
        "the code is then already filled in.",
        "until": "You can take part until {date}.",
        "once": "The code is valid for one questionnaire. Please do not pass it on. "
        "If you take a break, continue later with the same code.",
        "contact": "Contact",
        "phone": "Phone",
        "email": "Email",
        "date": "Date",
        "letter_number": "Letter no.",
        "also": "This survey is also available in English.",
    },
    "tr": {
        "code_heading": "Nasıl katılabilirsiniz",
        "step_open": "Tarayıcınızda şu adresi açın",
        "step_code": "ve orada kişisel erişim kodunuzu girin:",
        "qr": "Ya da QR kodunu akıllı telefonunuzla okutun: "
        "Kod otomatik olarak girilir.",
        "until": "{date} tarihine kadar katılabilirsiniz.",
        "once": "Kod yalnızca bir anket için geçerlidir. Lütfen kodu başkasına "
        "vermeyin. Ara verirseniz daha sonra aynı kodla devam edebilirsiniz.",
        "contact": "İletişim kişisi",
        "phone": "Telefon",
        "email": "E-posta",
        "date": "Tarih",
        "letter_number": "Mektup no.",
        "also": "Bu anket Türkçe olarak da mevcuttur.",
    },
    "ar": {
        "code_heading": "كيفية المشاركة",
        "step_open": "افتح هذا العنوان في متصفحك",
        "step_code": "وأدخل هناك رمز الدخول الشخصي الخاص بك:",
        "qr": "أو امسح رمز QR بهاتفك الذكي: سيتم إدخال الرمز تلقائيا.",
        "until": "يمكنك المشاركة حتى {date}.",
        "once": "الرمز صالح لاستبيان واحد فقط. يرجى عدم إعطائه لأي شخص آخر. "
        "إذا توقفت، يمكنك المتابعة لاحقا بالرمز نفسه.",
        "contact": "جهة الاتصال",
        "phone": "الهاتف",
        "email": "البريد الإلكتروني",
        "date": "التاريخ",
        "letter_number": "رقم الرسالة",
        "also": "هذا الاستبيان متوفر أيضا باللغة العربية.",
    },
    "uk": {
        "code_heading": "Як узяти участь",
        "step_open": "Відкрийте в браузері адресу",
        "step_code": "і введіть там свій персональний код доступу:",
        "qr": "Або відскануйте QR-код смартфоном: код буде введено автоматично.",
        "until": "Ви можете взяти участь до {date}.",
        "once": "Код дійсний для однієї анкети. Будь ласка, не передавайте його "
        "іншим. Якщо ви зробите перерву, продовжуйте пізніше з тим самим кодом.",
        "contact": "Контактна особа",
        "phone": "Телефон",
        "email": "Ел. пошта",
        "date": "Дата",
        "letter_number": "Лист №",
        "also": "Це опитування також доступне українською мовою.",
    },
    "ru": {
        "code_heading": "Как принять участие",
        "step_open": "Откройте в браузере адрес",
        "step_code": "и введите там свой персональный код доступа:",
        "qr": "Или отсканируйте QR-код смартфоном: код будет введён автоматически.",
        "until": "Вы можете принять участие до {date}.",
        "once": "Код действителен для одной анкеты. Пожалуйста, не передавайте его "
        "другим. Если вы прервётесь, продолжите позже с тем же кодом.",
        "contact": "Контактное лицо",
        "phone": "Телефон",
        "email": "Эл. почта",
        "date": "Дата",
        "letter_number": "Письмо №",
        "also": "Этот опрос также доступен на русском языке.",
    },
    "pl": {
        "code_heading": "Jak wziąć udział",
        "step_open": "Otwórz w przeglądarce adres",
        "step_code": "i wpisz tam swój osobisty kod dostępu:",
        "qr": "Albo zeskanuj kod QR smartfonem: kod zostanie wtedy wpisany "
        "automatycznie.",
        "until": "Możesz wziąć udział do {date}.",
        "once": "Kod jest ważny dla jednej ankiety. Prosimy nie przekazywać go innym "
        "osobom. Jeśli zrobisz przerwę, kontynuuj później z tym samym kodem.",
        "contact": "Osoba kontaktowa",
        "phone": "Telefon",
        "email": "E-mail",
        "date": "Data",
        "letter_number": "List nr",
        "also": "Ankieta jest dostępna również w języku polskim.",
    },
    "fa": {
        "code_heading": "نحوه شرکت",
        "step_open": "این آدرس را در مرورگر خود باز کنید",
        "step_code": "و کد دسترسی شخصی خود را در آنجا وارد کنید:",
        "qr": "یا کد QR را با تلفن هوشمند خود اسکن کنید: کد به طور خودکار وارد می شود.",
        "until": "شما می توانید تا {date} شرکت کنید.",
        "once": "این کد فقط برای یک پرسشنامه معتبر است. لطفا آن را به دیگران ندهید. "
        "اگر وقفه ای ایجاد کردید، بعدا با همان کد ادامه دهید.",
        "contact": "فرد تماس",
        "phone": "تلفن",
        "email": "ایمیل",
        "date": "تاریخ",
        "letter_number": "شماره نامه",
        "also": "این نظرسنجی به زبان فارسی نیز در دسترس است.",
    },
}

#: Defaults of the per-language parts a designer edits.
DEFAULTS: dict[str, dict[str, str]] = {
    "de": {
        "subject": "Einladung zur Befragung „{title}“",
        "salutation": "Liebe Eltern, liebe Familien,",
        "body": "wir möchten wissen, welche Angebote für Familien Sie nutzen, wie "
        "zufrieden Sie damit sind und was Ihnen fehlt. Dazu laden wir Sie herzlich "
        "zu unserer Befragung „{title}“ ein. Das Ausfüllen dauert nur wenige "
        "Minuten.\n\n"
        "Ihr Haushalt wurde zufällig ausgewählt. Die Teilnahme ist freiwillig; wenn "
        "Sie nicht teilnehmen, entstehen Ihnen keine Nachteile. Ihre Antworten "
        "werden anonym ausgewertet: Der Zugangscode wird nicht mit Ihren Antworten "
        "verknüpft, und niemand kann erkennen, wer welche Antworten gegeben hat.\n\n"
        "Ihre Meinung hilft uns, Angebote dort zu verbessern, wo Familien sie "
        "brauchen. Vielen Dank für Ihre Unterstützung!",
        "closing": "Mit freundlichen Grüßen",
        "signature_role": "",
        "privacy": "Datenschutzhinweis: Verantwortlich ist {operator}. Die Teilnahme "
        "ist freiwillig; Rechtsgrundlage ist Ihre Einwilligung (Art. 6 Abs. 1 "
        "Buchst. a DSGVO), die Sie durch das Absenden des Fragebogens erteilen. "
        "Wir speichern weder Namen noch Anschrift zusammen mit Ihren Antworten; "
        "Ihr Zugangscode wird nur als Prüfsumme gespeichert und nicht mit Ihren "
        "Antworten verknüpft. Ergebnisse werden nur zusammengefasst veröffentlicht. "
        "Die ausführlichen Datenschutzhinweise finden Sie unter {url}.",
    },
    "en": {
        "subject": "Invitation to the survey “{title}”",
        "salutation": "Dear parents, dear families,",
        "body": "we would like to know which services for families you use, how "
        "satisfied you are with them and what is missing. We warmly invite you to "
        "take part in our survey “{title}”. It only takes a few minutes.\n\n"
        "Your household was chosen at random. Taking part is voluntary; there are "
        "no disadvantages if you do not. Your answers are evaluated anonymously: "
        "the access code is not linked to your answers, and nobody can tell who "
        "gave which answers.\n\n"
        "Your opinion helps us to improve services where families need them. "
        "Thank you very much for your support!",
        "closing": "Kind regards",
        "signature_role": "",
        "privacy": "Data protection: the controller is {operator}. Taking part is "
        "voluntary; the legal basis is your consent (Art. 6(1)(a) GDPR), given by "
        "submitting the questionnaire. We store neither names nor addresses with "
        "your answers; your access code is stored only as a checksum and is not "
        "linked to your answers. Results are only published in aggregate form. "
        "Full information on data protection: {url}.",
    },
    "tr": {
        "subject": "“{title}” anketine davet",
        "salutation": "Sevgili anne babalar, sevgili aileler,",
        "body": "Aileler için hangi hizmetleri kullandığınızı, bunlardan ne kadar "
        "memnun olduğunuzu ve neyin eksik olduğunu öğrenmek istiyoruz. Sizi "
        "“{title}” anketimize katılmaya içtenlikle davet ediyoruz. Anketi "
        "doldurmak sadece birkaç dakika sürer.\n\n"
        "Haneniz rastgele seçilmiştir. Katılım gönüllüdür; katılmamanız size "
        "hiçbir dezavantaj getirmez. Yanıtlarınız anonim olarak değerlendirilir: "
        "Erişim kodu yanıtlarınızla ilişkilendirilmez ve kimin hangi yanıtları "
        "verdiğini kimse göremez.\n\n"
        "Görüşleriniz, hizmetleri ailelerin ihtiyaç duyduğu yerlerde "
        "iyileştirmemize yardımcı olur. Desteğiniz için çok teşekkür ederiz!",
        "closing": "Saygılarımızla",
        "signature_role": "",
        "privacy": "Veri koruma: Sorumlu kurum {operator}. Katılım gönüllüdür; "
        "hukuki dayanak, anketi göndererek verdiğiniz onaydır (GVKT md. 6 f. 1 "
        "a). Adınızı veya adresinizi yanıtlarınızla birlikte saklamayız; erişim "
        "kodunuz yalnızca sağlama toplamı olarak saklanır ve yanıtlarınızla "
        "ilişkilendirilmez. Sonuçlar yalnızca toplu olarak yayımlanır. Ayrıntılı "
        "bilgi: {url}.",
    },
    "ar": {
        "subject": "دعوة للمشاركة في استبيان «{title}»",
        "salutation": "أعزاءنا الآباء والأمهات، أعزاءنا العائلات،",
        "body": "نود أن نعرف ما هي الخدمات المقدمة للعائلات التي تستخدمونها، ومدى "
        "رضاكم عنها، وما الذي ينقصكم. لذلك ندعوكم بكل سرور للمشاركة في استبياننا "
        "«{title}». لا يستغرق ملء الاستبيان سوى بضع دقائق.\n\n"
        "تم اختيار أسرتكم بشكل عشوائي. المشاركة طوعية، ولن يلحق بكم أي ضرر إذا لم "
        "تشاركوا. يتم تقييم إجاباتكم بشكل مجهول: لا يرتبط رمز الدخول بإجاباتكم، "
        "ولا يمكن لأحد معرفة من أعطى أي إجابات.\n\n"
        "رأيكم يساعدنا على تحسين الخدمات حيث تحتاجها العائلات. شكرا جزيلا على "
        "دعمكم!",
        "closing": "مع أطيب التحيات",
        "signature_role": "",
        "privacy": "حماية البيانات: الجهة المسؤولة هي {operator}. المشاركة طوعية، "
        "والأساس القانوني هو موافقتكم (المادة 6 الفقرة 1 أ من اللائحة العامة "
        "لحماية البيانات) التي تمنحونها بإرسال الاستبيان. لا نحفظ الأسماء أو "
        "العناوين مع إجاباتكم، ويحفظ رمز الدخول فقط كمجموع اختباري ولا يرتبط "
        "بإجاباتكم. تنشر النتائج بشكل إجمالي فقط. مزيد من المعلومات: {url}",
    },
    "uk": {
        "subject": "Запрошення до опитування «{title}»",
        "salutation": "Шановні батьки, шановні родини!",
        "body": "Ми хочемо дізнатися, якими послугами для сімей ви користуєтеся, "
        "наскільки ви ними задоволені та чого вам бракує. Тому щиро запрошуємо вас "
        "взяти участь у нашому опитуванні «{title}». Заповнення займе лише кілька "
        "хвилин.\n\n"
        "Ваше домогосподарство було обрано випадково. Участь добровільна; якщо ви "
        "не візьмете участі, це не матиме для вас жодних негативних наслідків. "
        "Ваші відповіді обробляються анонімно: код доступу не пов’язується з "
        "вашими відповідями, і ніхто не може дізнатися, хто які відповіді дав.\n\n"
        "Ваша думка допомагає нам покращувати послуги там, де вони потрібні "
        "родинам. Щиро дякуємо за вашу підтримку!",
        "closing": "З повагою",
        "signature_role": "",
        "privacy": "Захист даних: відповідальна установа — {operator}. Участь "
        "добровільна; правовою підставою є ваша згода (ст. 6 абз. 1 літ. a "
        "GDPR), яку ви надаєте, надсилаючи анкету. Ми не зберігаємо ні імен, ні "
        "адрес разом із вашими відповідями; код доступу зберігається лише як "
        "контрольна сума і не пов’язується з вашими відповідями. Результати "
        "публікуються лише в узагальненому вигляді. Докладніше: {url}.",
    },
    "ru": {
        "subject": "Приглашение к участию в опросе «{title}»",
        "salutation": "Уважаемые родители, уважаемые семьи!",
        "body": "Мы хотим узнать, какими услугами для семей вы пользуетесь, "
        "насколько вы ими довольны и чего вам не хватает. Поэтому мы сердечно "
        "приглашаем вас принять участие в нашем опросе «{title}». Заполнение "
        "займёт всего несколько минут.\n\n"
        "Ваше домохозяйство было выбрано случайно. Участие добровольное; если вы "
        "не примете участие, это не повлечёт для вас никаких последствий. Ваши "
        "ответы обрабатываются анонимно: код доступа не связывается с вашими "
        "ответами, и никто не может узнать, кто какие ответы дал.\n\n"
        "Ваше мнение помогает нам улучшать услуги там, где они нужны семьям. "
        "Большое спасибо за вашу поддержку!",
        "closing": "С уважением",
        "signature_role": "",
        "privacy": "Защита данных: ответственное учреждение — {operator}. Участие "
        "добровольное; правовым основанием является ваше согласие (ст. 6 абз. 1 "
        "лит. a GDPR), которое вы даёте, отправляя анкету. Мы не храним ни имён, "
        "ни адресов вместе с вашими ответами; код доступа хранится только в виде "
        "контрольной суммы и не связывается с вашими ответами. Результаты "
        "публикуются только в обобщённом виде. Подробнее: {url}.",
    },
    "pl": {
        "subject": "Zaproszenie do udziału w ankiecie „{title}”",
        "salutation": "Drodzy Rodzice, drogie Rodziny,",
        "body": "chcielibyśmy się dowiedzieć, z jakich ofert dla rodzin Państwo "
        "korzystają, na ile są Państwo z nich zadowoleni i czego brakuje. Dlatego "
        "serdecznie zapraszamy do udziału w naszej ankiecie „{title}”. Wypełnienie "
        "zajmuje tylko kilka minut.\n\n"
        "Państwa gospodarstwo domowe zostało wybrane losowo. Udział jest "
        "dobrowolny; jego brak nie wiąże się z żadnymi negatywnymi skutkami. "
        "Odpowiedzi są analizowane anonimowo: kod dostępu nie jest powiązany z "
        "odpowiedziami i nikt nie może ustalić, kto udzielił jakich odpowiedzi.\n\n"
        "Państwa opinia pomaga nam ulepszać oferty tam, gdzie rodziny ich "
        "potrzebują. Serdecznie dziękujemy za wsparcie!",
        "closing": "Z poważaniem",
        "signature_role": "",
        "privacy": "Ochrona danych: administratorem jest {operator}. Udział jest "
        "dobrowolny; podstawą prawną jest Państwa zgoda (art. 6 ust. 1 lit. a "
        "RODO), wyrażona przez wysłanie ankiety. Nie przechowujemy imion ani "
        "adresów razem z odpowiedziami; kod dostępu jest przechowywany wyłącznie "
        "jako suma kontrolna i nie jest powiązany z odpowiedziami. Wyniki są "
        "publikowane wyłącznie w formie zbiorczej. Więcej informacji: {url}.",
    },
    "fa": {
        "subject": "دعوت به شرکت در نظرسنجی «{title}»",
        "salutation": "والدین و خانواده های گرامی،",
        "body": "ما می خواهیم بدانیم از کدام خدمات خانواده استفاده می کنید، چقدر از "
        "آنها راضی هستید و چه چیزی کم است. به همین دلیل صمیمانه از شما دعوت می کنیم "
        "در نظرسنجی «{title}» شرکت کنید. پر کردن آن فقط چند دقیقه طول می کشد.\n\n"
        "خانوار شما به طور تصادفی انتخاب شده است. شرکت داوطلبانه است و عدم شرکت "
        "هیچ ضرری برای شما ندارد. پاسخ های شما به صورت ناشناس بررسی می شود: کد "
        "دسترسی به پاسخ های شما مرتبط نمی شود.\n\n"
        "نظر شما به ما کمک می کند خدمات را در جایی که خانواده ها نیاز دارند بهبود "
        "دهیم. از همکاری شما سپاسگزاریم!",
        "closing": "با احترام",
        "signature_role": "",
        "privacy": "حفاظت از داده ها: مسئول {operator} است. شرکت داوطلبانه است و "
        "مبنای قانونی رضایت شماست (ماده 6 بند 1 الف مقررات عمومی حفاظت از داده "
        "ها). ما نام یا نشانی را همراه با پاسخ های شما ذخیره نمی کنیم. اطلاعات "
        "بیشتر: {url}",
    },
}

#: The names of the parts a designer edits per language, in form order.
LANGUAGE_FIELDS = (
    "subject",
    "salutation",
    "body",
    "closing",
    "signature_role",
    "privacy",
)
#: Parts that are the same in every language.
COMMON_FIELDS = (
    "sender",
    "return_line",
    "signature_name",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def fixed_text(language: str, key: str, **values: str) -> str:
    """A fixed part in ``language`` (German when the language has none)."""
    table = FIXED.get(language) or FIXED["de"]
    return table[key].format(**values) if values else table[key]


def default_texts(language: str, **values: str) -> dict[str, str]:
    """The default editable parts in ``language`` (German when it has none), with
    ``{title}``, ``{operator}`` and ``{url}`` filled in."""
    table = DEFAULTS.get(language) or DEFAULTS["de"]
    return {key: text.format(**values) for key, text in table.items()}


def also_available(language: str) -> str:
    """ "This survey is also available in <language>", in that language itself."""
    if language in FIXED:
        return FIXED[language]["also"]
    return f"{FIXED['de']['also'][:-9]} {native_name(language)}."


def native_name(language: str) -> str:
    """The language's name in its own script (``Türkçe``, ``العربية``)."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return language
    name = locale.get_display_name(locale) or language
    return name[:1].upper() + name[1:]
