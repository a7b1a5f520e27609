"""Whisper's languages: codes (faster-whisper and transformers report them) and names (Replicate's Whisper does)."""

from __future__ import annotations

ENGLISH = "en"

# Whisper's own table (openai/whisper's tokenizer.LANGUAGES), code:name, in its order.
_TABLE = (
    "en:english zh:chinese de:german es:spanish ru:russian ko:korean fr:french ja:japanese pt:portuguese "
    "tr:turkish pl:polish ca:catalan nl:dutch ar:arabic sv:swedish it:italian id:indonesian hi:hindi "
    "fi:finnish vi:vietnamese he:hebrew uk:ukrainian el:greek ms:malay cs:czech ro:romanian da:danish "
    "hu:hungarian ta:tamil no:norwegian th:thai ur:urdu hr:croatian bg:bulgarian lt:lithuanian la:latin "
    "mi:maori ml:malayalam cy:welsh sk:slovak te:telugu fa:persian lv:latvian bn:bengali sr:serbian "
    "az:azerbaijani sl:slovenian kn:kannada et:estonian mk:macedonian br:breton eu:basque is:icelandic "
    "hy:armenian ne:nepali mn:mongolian bs:bosnian kk:kazakh sq:albanian sw:swahili gl:galician mr:marathi "
    "pa:punjabi si:sinhala km:khmer sn:shona yo:yoruba so:somali af:afrikaans oc:occitan ka:georgian "
    "be:belarusian tg:tajik sd:sindhi gu:gujarati am:amharic yi:yiddish lo:lao uz:uzbek fo:faroese "
    "ht:haitian_creole ps:pashto tk:turkmen nn:nynorsk mt:maltese sa:sanskrit lb:luxembourgish my:myanmar "
    "bo:tibetan tl:tagalog mg:malagasy as:assamese tt:tatar haw:hawaiian ln:lingala ha:hausa ba:bashkir "
    "jw:javanese su:sundanese yue:cantonese"
)
NAMES: dict[str, str] = {code: name.replace("_", " ") for code, name in (pair.split(":") for pair in _TABLE.split())}
_CODES = {name: code for code, name in NAMES.items()}
MAX_CODE_CHARS = 16  # the `language` column's width


def language_code(reported: str | None) -> str | None:
    """A language as a Whisper code ("de"), from a code or a name ("german", "German"); None if unknown or empty."""
    if not reported or not reported.strip():
        return None
    value = reported.strip().lower()
    if value in NAMES:
        return value
    if value in _CODES:
        return _CODES[value]
    # Anything else is kept only if it looks like a code (a model may know a language this table does not).
    return value if value.isalpha() and len(value) <= MAX_CODE_CHARS and value.isascii() else None


def language_name(code: str | None) -> str:
    """A language's name for people ("German"), or the code itself when the table does not know it."""
    if not code:
        return "an unknown language"
    return NAMES.get(code, code).title()


def spoken_language(code: str) -> str:
    """A language a person says they spoke, as Whisper's code; ValueError naming it when Whisper does not know it."""
    value = code.strip().lower()
    if value in NAMES:
        return value
    if value in _CODES:  # a name ("german") is as clear as its code
        return _CODES[value]
    raise ValueError(f"unknown language {code!r}: use one of Whisper's codes, such as en, de, fr, es (see --help)")


def is_english(code: str | None) -> bool:
    return code == ENGLISH
