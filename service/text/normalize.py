"""Pure text normalization for chat messages. No jieba, no I/O, no global state beyond compiled tables.

``normalize(text)`` maps the many spellings of one message onto one canonical string, so that the model
learns meanings, not typography:

1. invisible characters removed (zero-width, bidi marks, variation selectors, controls, lone surrogates);
2. Unicode NFKC (full-width → half-width, circled and styled letters/digits → plain) and Latin lowercased;
3. homoglyphs (Cyrillic/Greek look-alikes of Latin letters) folded;
4. Traditional → Simplified Chinese (OpenCC ``t2s``; Taiwan and Hong Kong text, Cantonese included);
5. chat-export placeholders ([图片], 【表情】, [捂脸], :smile:) → single placeholder tokens;
6. contact-evasion folding: separators sprinkled between characters (卖-云-服-务-器, 看❤主❤页), spaced,
   dotted or emoji-separated digit runs, Chinese-numeral phone numbers, and the spellings of WeChat/QQ
   (V❤信, 威信, 薇信, vx, v信, ➕v, 加V, 扣扣 …) → one canonical word;
7. entities → placeholders: e-mail, URL, phone, contact id, @mention, price, long or masked number
   (138****5678, xxxx-xxxxxxxx), emoji;
8. whitespace collapsed, long runs squashed (哈哈哈哈哈哈 → 哈哈哈, ！！！！ → !!).

Placeholders look like ``⟨url⟩``: the angle brackets survive NFKC and lowercasing, so ``normalize`` is
idempotent, and ``service.text.segment`` keeps each placeholder as one token.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Final

__all__ = [
    "PLACEHOLDERS",
    "PLACEHOLDER_RE",
    "is_traditional",
    "normalize",
    "placeholder",
    "to_simplified",
]

NORMALIZER_VERSION: Final = "4"


def placeholder(name: str) -> str:
    return f"⟨{name}⟩"


URL, EMAIL, PHONE, CONTACT, AT, AT_ALL, PRICE, NUM, EMOJI = (
    placeholder(n) for n in ("url", "email", "phone", "contact", "at", "atall", "price", "num", "emoji")
)
# Emoji keep a coarse meaning: the class often carries the label (😅 sarcasm, 💋🔞 spam lures, 😂 chatter).
EMOJI_CLASSES: dict[str, str] = {
    "laugh": "😂🤣😆😄😁😃😀😹😸😝😜🤪😛",
    "smirk": "😅🙂🙃🤡😓😏🤔🙄😒😑😐🌚",
    "angry": "😡😠🤬👿💢😤🖕👊",
    "sad": "😭😢🥺😔😞😟😩😫😿💔",
    "love": "❤😍🥰😘💕💖💗💓💞💘😻🌹💐😚",
    "lure": "💰💵💴💸🤑🔥🎁🧧🉐🈶🆓🔞🍑💋👙👅🍆💦🎰🎲🃏💎🚀📈",
    "ok": "👍🙏👌👏💪🤝✌✅✔🆗",
}
_EMOJI_CLASS_OF = {ch: placeholder(name) for name, chars in EMOJI_CLASSES.items() for ch in chars}
IMG, STICKER, VOICE, VIDEO, FILE, LINK, LOCATION, REDPACKET, TRANSFER, CARD, MINIAPP, CHATLOG = (
    placeholder(n)
    for n in (
        "img", "sticker", "voice", "video", "file", "link", "location",
        "redpacket", "transfer", "card", "miniapp", "chatlog",
    )
)  # fmt: skip

PLACEHOLDERS: Final[frozenset[str]] = frozenset(
    {URL, EMAIL, PHONE, CONTACT, AT, AT_ALL, PRICE, NUM, EMOJI}
    | {placeholder(name) for name in EMOJI_CLASSES}
    | {IMG, STICKER, VOICE, VIDEO, FILE, LINK, LOCATION, REDPACKET, TRANSFER, CARD, MINIAPP, CHATLOG}
)
PLACEHOLDER_RE: Final = re.compile(r"⟨[a-z]+⟩")

# --- 1. invisible characters -------------------------------------------------------------------------
_INVISIBLE_RE = re.compile(  # zero-width, bidi, variation selectors, controls, surrogates, private use
    "[\ue000-\uf8ff\U000f0000-\U0010ffff\U0001f3fb-\U0001f3ff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20e3\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\ufff0-\ufff8\U000e0000-\U000e0fff\ud800-\udfff]"
)

# Characters NFKC leaves alone but spammers use as digits or as a plus sign.
_PRE_NFKC = str.maketrans(
    {
        **{chr(0x2776 + i): str(i + 1) for i in range(9)},  # ❶..❾
        **{chr(0x2780 + i): str(i + 1) for i in range(9)},  # ➀..➈
        **{chr(0x278A + i): str(i + 1) for i in range(9)},  # ➊..➒
        "\u277f": "10", "\u2789": "10", "\u2793": "10",
        "\u2795": "+", "\u271a": "+", "\u2719": "+", "\u2797": "",
        "\u3007": "〇",
    }
)  # fmt: skip

# --- 3. homoglyphs (applied after lowercasing) --------------------------------------------------------
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ɡ": "g", "ӏ": "l",
        "α": "a", "ο": "o", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "ι": "i", "κ": "k", "χ": "x",
        "ε": "e", "ѵ": "v", "ᐯ": "v", "ⅴ": "v", "ᴠ": "v", "ᴡ": "w", "ᕼ": "h", "ᑫ": "q", "ԛ": "q",
    }
)  # fmt: skip


# --- 4. Traditional → Simplified ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _opencc() -> Any:
    import opencc  # local import: keeps `import service.text.normalize` free of native-library work

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Every character that the converter changes on its own: a cheap test for "needs conversion"."""
    converter = _opencc()
    chars = [chr(c) for c in range(0x3400, 0xA000)] + [chr(c) for c in range(0xF900, 0xFB00)]
    sample = "".join(chars)
    converted = converter.convert(sample)
    if len(converted) != len(sample):  # pragma: no cover - defensive: fall back to per-char checks
        return frozenset(c for c in chars if converter.convert(c) != c)
    return frozenset(a for a, b in zip(sample, converted, strict=True) if a != b)


def is_traditional(text: str) -> bool:
    """True when ``text`` contains a character that exists only in Traditional Chinese."""
    return not _traditional_chars().isdisjoint(text)


def to_simplified(text: str) -> str:
    """Traditional → Simplified with OpenCC t2s (phrase-aware); Simplified text is returned unchanged."""
    if _traditional_chars().isdisjoint(text):
        return text
    return str(_opencc().convert(text))


# --- 5. chat-export placeholders ----------------------------------------------------------------------
_MEDIA_WORDS: dict[str, str] = {}
for _token, _words in {
    IMG: "图片 照片 相片 图 image photo 图片消息",
    STICKER: "表情 动画表情 表情包 自定义表情 sticker gif 动图",
    VOICE: "语音 语音消息 voice audio 音频",
    VIDEO: "视频 小视频 视频号 影片 video",
    FILE: "文件 档案 file",
    LINK: "链接 分享链接 连结 link 卡片 分享",
    LOCATION: "位置 定位 location",
    REDPACKET: "红包 微信红包 qq红包",
    TRANSFER: "转账 收款",
    CARD: "名片 个人名片 联系人名片",
    MINIAPP: "小程序",
    CHATLOG: "聊天记录",
}.items():
    for _w in _words.split():
        _MEDIA_WORDS[_w] = _token

# WeChat / QQ built-in emoticon names as they appear in exports: [捂脸], [旺柴], /::) …
_EMOTICON_NAMES = frozenset(
    """
    微笑 撇嘴 色 发呆 得意 流泪 害羞 闭嘴 睡 大哭 尴尬 发怒 调皮 呲牙 惊讶 难过 酷 冷汗
    抓狂 吐 偷笑 愉快 可爱 白眼 傲慢 饥饿 困 惊恐 流汗 憨笑 悠闲 大兵 奋斗 咒骂 疑问 嘘 晕
    疯了 衰 骷髅 敲打 再见 擦汗 抠鼻 鼓掌 糗大了 坏笑 左哼哼 右哼哼 哈欠 鄙视 委屈 快哭了
    阴险 亲亲 吓 可怜 笑脸 生病 脸红 破涕为笑 恐惧 失望 无语 嘿哈 捂脸 奸笑 机智 皱眉 耶
    吃瓜 加油 汗 天啊 emm 社会社会 旺柴 好的 打脸 哇 翻白眼 666 让我看看 叹气 苦涩 裂开
    嘴唇 爱心 心碎 拥抱 强 弱 握手 胜利 抱拳 勾引 拳头 差劲 爱你 no ok 合十 啤酒 咖啡
    饭 蛋糕 玫瑰 凋谢 菜刀 炸弹 便便 月亮 太阳 庆祝 礼物 發 福 烟花 爆竹 猪头 跳跳 发抖
    转圈 狗头 doge 二哈 吐舌 呆 哼 斜眼笑 滑稽 托腮 笑哭 允悲 哭笑 赞 点赞 心 doge脸
    喵喵 汪汪 泪 哈哈 嘻嘻 色色 害怕 感冒 睡觉 拜托 作揖 opps 机智 蜡烛 西瓜 篮球 乒乓
    足球 瓢虫 闪电 刀 药 示爱 飞吻 怄火 磕头 回头 激动 街舞 献吻 左太极 右太极 捂嘴 捂嘴笑
    尬笑 憨憨 哦 好 ok手势
    """.split()
)
_BRACKET_RE = re.compile(r"[\[【]([^\[\]【】\n]{1,8})[\]】]")
_SHORTCODE_RE = re.compile(r":[a-z][a-z0-9_+\-]{1,30}:")
_QQ_FACE_RE = re.compile(r"/::?[a-z()<>!@$%&*|\\\-]{1,3}")


def _emoji_placeholder(match: re.Match[str]) -> str:
    return _EMOJI_CLASS_OF.get(match.group(0), EMOJI)


def _bracket_sub(match: re.Match[str]) -> str:
    inner = match.group(1).strip()
    token = _MEDIA_WORDS.get(inner)
    if token is not None:
        return token
    if inner in _EMOTICON_NAMES:
        return EMOJI
    return match.group(0)


# --- 6. contact evasion -------------------------------------------------------------------------------
_EMOJI_CLASS = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u3030\u303d\u3297\u3299"
    "\u00a9\u00ae\u2122\u2139\u24c2\u2934\u2935\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe"
)
_EMOJI_RE = re.compile(f"[{_EMOJI_CLASS}]")
_SEP = rf"[\s\-.*|/·•_~+{_EMOJI_CLASS}]"
_DIGIT_SEP = rf"[\s\-.*|/·•_~+,{_EMOJI_CLASS}]"
_UNIT = r"[\u4e00-\u9fffa-z]"
# Three or more single characters each separated by the same separator: 卖-云-服-务, 看❤主❤页, l i n e.
_INTERLEAVED_RE = re.compile(
    rf"(?<![\u4e00-\u9fffa-z0-9⟩]){_UNIT}(?P<s>{_SEP})(?:{_UNIT}(?P=s)){{1,}}{_UNIT}"
)
_INTERLEAVED_SEP_RE = re.compile(_SEP)
_HAS_SEP_RE = _INTERLEAVED_SEP_RE  # the interleaved rule needs a separator: a cheap test before it
# Digits interrupted by separators (spaces, dots, dashes, emoji …): 138 0000 5678, 1.3.8, 1😀3😀8.
_DIGIT_GROUPS_RE = re.compile(rf"(?<![\d.])\d+(?:{_DIGIT_SEP}{{1,3}}\d+)+(?![\d])")
_DATE_RE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")
_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_CN_NUMBER_RUN_RE = re.compile(r"[零〇一二三四五六七八九幺]{7,}")
_MIN_JOINED_DIGITS = 7


def _join_digit_groups(match: re.Match[str]) -> str:
    text = match.group(0)
    if _DATE_RE.search(text):
        return text
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) >= _MIN_JOINED_DIGITS else text


def _collapse_interleaved(match: re.Match[str]) -> str:
    return _INTERLEAVED_SEP_RE.sub("", match.group(0))


_NOSEP = r"[^\w\n⟨⟩]{0,3}"  # up to three non-word characters (emoji, hearts, dots, spaces) inside a word
_WECHAT_RES = (
    re.compile(rf"[微薇徽嶶魏维]{_NOSEP}信|(?<![a-z⟩])v{_NOSEP}信"),
    re.compile(r"(?<![a-z0-9⟩])(?:v\s?x|w\s?x|wei\s?xin|weixin|wechat|vchat)(?![a-z])"),
)
_ADD_V_RE = re.compile(rf"(加|\+|联系|扫|私|找){_NOSEP}(?:v|薇)(?![a-z微])")
_V_COLON_RE = re.compile(r"(?<![a-z0-9⟩])(?:v|薇)\s*[:：]\s*(?=[a-z0-9])")
_QQ_RES = (
    re.compile(rf"扣{_NOSEP}扣|抠{_NOSEP}抠|企{_NOSEP}鹅(?=号|群|[:：\s\d])|(?<![a-z⟩])q{_NOSEP}q(?![a-z])"),
    re.compile(r"(?<![a-z0-9⟩])q(?=\s*[:：群]|\s*\d{5,})"),
)
_LINE_RE = re.compile(r"(加|\+){_NOSEP}赖|(?<![a-z⟩])l\s?i\s?n\s?e(?![a-z])".replace("{_NOSEP}", _NOSEP))


def _fold_contacts(text: str) -> str:
    if "威信" in text:
        text = _WEIXIN_WORD_RE.sub("微信", text)
    for pattern in _WECHAT_RES:
        text = pattern.sub("微信", text)
    text = _ADD_V_RE.sub(r"\1微信", text)
    text = _V_COLON_RE.sub("微信:", text)
    for pattern in _QQ_RES:
        text = pattern.sub("qq", text)
    return _LINE_RE.sub(lambda m: (m.group(1) or "") + "line", text)


# --- 7. entities --------------------------------------------------------------------------------------
_EMAIL_RE = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,10}")
_TLDS = (
    "com|cn|net|org|io|me|cc|top|xyz|vip|shop|app|dev|co|tv|info|link|club|site|ly|gl|hk|tw|jp|uk|edu|gov|ai"
)
_SCHEME_URL_RE = re.compile(r"(?:https?://|www\.)[^\s，。！？、“”‘’\"'<>()\[\]{}【】⟨⟩]+")
_DOMAIN_URL_RE = re.compile(
    rf"(?<![a-z0-9@.\-])[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:{_TLDS})(?![a-z0-9\-])(?:/[^\s，。！？、“”<>⟨⟩]*)?"
)


def _replace_urls(text: str) -> str:
    # Scheme URLs first: a bare domain glued to a following URL is then seen next to its placeholder.
    return _DOMAIN_URL_RE.sub(URL, _SCHEME_URL_RE.sub(URL, text))


_PHONE_RE = re.compile(
    r"(?<![\d])(?:\+?86[\s\-]?)?1[3-9]\d{9}(?![\d])"
    r"|(?<![\d])0\d{2,3}-?\d{7,8}(?![\d])"
    r"|(?<![\d])400-?\d{3}-?\d{4}(?![\d])"
    r"|\+\d{1,3}[\s\-]?\d{3,4}[\s\-]?\d{3,4}[\s\-]?\d{0,4}"
)
_CONTACT_FIRST_CHARS = frozenset("微qltw飞电群")  # first characters of _CONTACT_RE's keywords
_WXID_RE = re.compile(r"(?<![a-z0-9])wxid_[a-z0-9_\-]{4,}")
_CONTACT_RE = re.compile(
    r"(微信|qq|line|tg|telegram|whatsapp|飞机|电报|群)(号|群|id)?\s*[:：]?\s*"
    r"(?:[a-z][a-z0-9_\-]{4,24}(?![a-z0-9_\-])|\d{5,12}(?![\d]))"
)
_AT_ALL_RE = re.compile(r"@(?:所有人|全体成员|all|everyone|here)(?![^\s@,，。!！?？:：;；、])")
_MENTION_STOP = rf"\s@,，。!！?？:：;；、()（）⟨⟩{_EMOJI_CLASS}"
# A mention ends at whitespace or punctuation (exports put a space after it); when the name runs into the
# text with no break, only its first characters are taken rather than swallowing the message.
_AT_RE = re.compile(
    rf"@[^{_MENTION_STOP}]{{1,12}}(?=[{_MENTION_STOP}]|$)|@[^{_MENTION_STOP}\d]{{1,3}}(?![a-z])"
)
_MONEY_UNIT = (
    r"(?:元|块钱|块|圆|美元|美金|刀|港币|港元|台币|日元|円|欧元|英镑|澳元"
    r"|(?:rmb|cny|usdt|u|r|w)(?![a-z0-9]))"
)
_PRICE_RE = re.compile(
    rf"[¥$€£]\s*\d+(?:[.,]\d+)*(?:\s*[万千])?(?:\s*{_MONEY_UNIT})?"
    rf"|(?<![a-z0-9.⟩])\d+(?:\.\d+)?(?:\s*[-~到至]\s*\d+(?:\.\d+)?)?\s*[万千百]?\s*{_MONEY_UNIT}"
)
# Masked digits, as anonymized exports and apps show them: 138****5678, xxxx-xxxxxxxx.
_MASKED_PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d(?:\*{2,4}|x{4})\d{4}(?!\d)")  # ** after squashing
_MASKED_NUMBER_RE = re.compile(r"(?<![a-z])x{4,}(?![a-z])")
_LONG_NUMBER_RE = re.compile(r"(?<![\da-z_⟩])\d{5,}(?![\d])")

# --- 8. whitespace and runs ---------------------------------------------------------------------------
_SPACES_RE = re.compile(r"[^\S\n]+")
_NEWLINES_RE = re.compile(r"\s*\n\s*")
_WORD_RUN_RE = re.compile(r"([^\W\d])\1{3,}")
_REPDIGIT_RE = re.compile(r"(?<!\d)(\d)\1{3,}(?!\d)")  # 666666 → 666; digits inside numbers are kept
_MARK_RUN_RE = re.compile(r"([^\w\s])\1{2,}")
_PLACEHOLDER_RUN_RE = re.compile(r"(⟨[a-z]+⟩)(?:\s?\1){2,}")


# Spam digits/plus signs NFKC leaves alone, and homoglyphs: one table, applied after NFKC + lowercasing.
_FOLD_TABLE = _PRE_NFKC | _HOMOGLYPHS
_FOLD_CHARS = frozenset(chr(c) for c in _FOLD_TABLE)
_CONTACT_TRIGGER_RE = re.compile(r"[微薇徽嶶魏维威][^\w\n⟨⟩]{0,3}信|[扣抠鹅赖+薇]|(?<![a-z⟩])[vwql]")
_DIGIT_RE = re.compile(r"\d")
_WEIXIN_WORD_RE = re.compile(r"(?<=[加+找私])(?:[^\w\n⟨⟩]{0,3})威信|威信(?=号|\s*[:：]?\s*[a-z0-9])")


def normalize(text: str) -> str:
    """The canonical form of one chat message (see the module docstring). Never raises on a ``str``.

    The cheap ``in``/``search`` guards skip whole families of rules for the many messages they cannot
    apply to; they never change the result, only the cost.
    """
    if "\t" in text or "\r" in text:
        text = text.replace("\t", " ").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text).lower()
    # Removing invisible characters after NFKC catches the ones NFKC produces (ㅤ → U+1160); when something
    # was removed, or lowercasing un-normalized the text (ǅ → dž), NFKC runs again: a combining mark that an
    # invisible character kept from its base (U + BS + ̀) composes only then.
    text, removed = _INVISIBLE_RE.subn("", text)
    if removed or not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not _FOLD_CHARS.isdisjoint(text):
        text = text.translate(_FOLD_TABLE)
    text = to_simplified(text)
    # Squash punctuation and whitespace runs before the evasion rules look at separators.
    text = _MARK_RUN_RE.sub(r"\1\1", text)
    if " " in text or not text.isprintable():  # any whitespace: isprintable() is False for all but " "
        text = _SPACES_RE.sub(" ", text)
        text = _NEWLINES_RE.sub("\n", text)

    if "[" in text or "【" in text:
        text = _BRACKET_RE.sub(_bracket_sub, text)
    if "@" in text:
        text = _EMAIL_RE.sub(EMAIL, text)
    if "." in text:
        text = _replace_urls(text)

    if _HAS_SEP_RE.search(text):
        text = _INTERLEAVED_RE.sub(_collapse_interleaved, text)
    has_digit = _DIGIT_RE.search(text) is not None
    if not has_digit and _CN_NUMBER_RUN_RE.search(text):
        text = _CN_NUMBER_RUN_RE.sub(lambda m: m.group(0).translate(_CN_DIGITS), text)
        has_digit = True
    if has_digit:
        if "**" in text or "xxxx" in text:
            text = _MASKED_PHONE_RE.sub(PHONE, text)
        text = _DIGIT_GROUPS_RE.sub(_join_digit_groups, text)
        text = _REPDIGIT_RE.sub(r"\1\1\1", text)
    if _CONTACT_TRIGGER_RE.search(text):
        text = _fold_contacts(text)
        if "." in text:  # folding can complete a domain name (扣扣.com → qq.com)
            text = _replace_urls(text)

    if ":" in text:  # after folding, which can turn letters between colons into a shortcode
        text = _SHORTCODE_RE.sub(EMOJI, text)
        if "/:" in text:
            text = _QQ_FACE_RE.sub(EMOJI, text)
    if has_digit:
        text = _PHONE_RE.sub(PHONE, text)
    if "wxid_" in text:
        text = _WXID_RE.sub(CONTACT, text)
    if not _CONTACT_FIRST_CHARS.isdisjoint(text):
        text = _CONTACT_RE.sub(lambda m: m.group(1) + (m.group(2) or "") + CONTACT, text)
    if has_digit:
        text = _PRICE_RE.sub(PRICE, text)
        text = _LONG_NUMBER_RE.sub(NUM, text)
    if "xxxx" in text:
        text = _MASKED_NUMBER_RE.sub(NUM, text)
    if "@" in text:  # after numbers became placeholders: a mention's end must not depend on them
        text = _AT_ALL_RE.sub(AT_ALL, text)
        text = _AT_RE.sub(AT, text)
    text = _EMOJI_RE.sub(_emoji_placeholder, text)

    if " " in text or not text.isprintable():  # any whitespace: isprintable() is False for all but " "
        text = _SPACES_RE.sub(" ", text)
        text = _NEWLINES_RE.sub("\n", text)
    text = _WORD_RUN_RE.sub(r"\1\1\1", text)
    if "⟩" in text:
        text = _PLACEHOLDER_RUN_RE.sub(r"\1\1", text)
    return text.strip()
