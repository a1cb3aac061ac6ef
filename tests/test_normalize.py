"""Normalization: tables of real-looking chat inputs and the properties every input must keep."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.normalize import PLACEHOLDER_RE, PLACEHOLDERS, is_traditional, normalize, to_simplified

CASES = [
    # width, case, invisible characters, whitespace
    ("fullwidth-latin", "ＡＢＣ　全角ｐｙｔｈｏｎ", "abc 全角python"),
    ("fullwidth-punct", "真的吗？！", "真的吗?!"),
    ("zero-width", "加\u200b我\u200d好友", "加我好友"),
    ("bom-and-bidi", "\ufeff\u202a你好\u202c", "你好"),
    ("whitespace-collapse", "  早上好   各位 \n\n\n 今天降温  ", "早上好 各位\n今天降温"),
    ("crlf", "第一行\r\n第二行", "第一行\n第二行"),
    # runs
    ("laugh-run", "哈哈哈哈哈哈", "哈哈哈"),
    ("bang-run", "！！！！", "!!"),
    ("dots-run", "无语。。。。。", "无语。。"),
    ("latin-run", "hhhhhhh笑死", "hhh笑死"),
    ("emoji-run", "😂😂😂😂😂😂", "⟨laugh⟩⟨laugh⟩"),
    ("emoticon-run", "[捂脸][捂脸][捂脸][捂脸]", "⟨emoji⟩⟨emoji⟩"),
    # Traditional → Simplified (Taiwan, Hong Kong, Cantonese)
    ("tw", "請問這個軟體怎麼下載", "请问这个软体怎么下载"),
    ("simplified-particles-kept", "是么 行么 么么哒", "是么 行么 么么哒"),
    ("hk-cantonese", "有冇人知道呢間餐廳幾多錢？唔該", "有冇人知道呢间餐厅几多钱?唔该"),
    ("hk-cantonese-2", "佢哋話聽日落雨，係咪真㗎", "佢哋话听日落雨,系咪真㗎"),
    # chat-export placeholders
    ("img", "[图片]", "⟨img⟩"),
    ("img-fullwidth-brackets", "【图片】没事没事", "⟨img⟩没事没事"),
    ("sticker", "[动画表情]", "⟨sticker⟩"),
    ("voice", "[语音]", "⟨voice⟩"),
    ("wechat-emoticon", "[捂脸]笑死我了", "⟨emoji⟩笑死我了"),
    ("discord-shortcode", ":laughing:", "⟨emoji⟩"),
    ("forum-tag-kept", "[求助]安装报错", "[求助]安装报错"),
    ("red-packet", "[红包]谢谢老板", "⟨redpacket⟩谢谢老板"),
    # contact evasion
    ("v-heart-xin", "加V❤信：kx2024abc 有惊喜", "加微信⟨contact⟩ 有惊喜"),
    ("weixin-homophone", "威信 138 0000 5678", "微信 ⟨phone⟩"),
    ("wei-wei-xin", "薇信号：dsk8x8x", "微信号⟨contact⟩"),
    ("spaced-weixin", "微 信 号 dsk8x8x", "微信号⟨contact⟩"),
    ("vx-colon", "vx: abc12345", "微信⟨contact⟩"),
    ("v-xin", "v信搜 abc_12345", "微信搜 abc_12345"),
    ("heavy-plus-v", "➕v 了解一下", "+微信 了解一下"),
    ("jia-v", "加V领取资料", "加微信领取资料"),
    ("koukou", "扣扣 12345678", "qq⟨contact⟩"),
    ("qun-number", "进群571557439", "进群⟨contact⟩"),
    ("q-qun", "q群：185981479", "qq群⟨contact⟩"),
    ("circled-digits", "薇信①③⑧⓪⓪⓪⓪⑤⑥⑦⑧", "微信⟨phone⟩"),
    ("dingbat-digits", "电话❶❸❽00001234", "电话⟨phone⟩"),
    ("dotted-digits", "1.3.8.0.0.0.0.5.6.7.8", "⟨phone⟩"),
    ("emoji-separated-digits", "1😀3😀8 0000 5678", "⟨phone⟩"),
    ("chinese-numeral-phone", "一三八零零零零一二三四", "⟨phone⟩"),
    ("interleaved-dash", "卖-云-服-务-器", "卖云服务器"),
    ("interleaved-heart", "看❤主❤页", "看主页"),
    ("styled-letters", "𝐔𝐗４４４２卖云资源", "ux4442卖云资源"),
    ("cyrillic-homoglyph", "vх加我", "微信加我"),
    ("wxid", "wxid_abc123 拉我进群", "⟨contact⟩ 拉我进群"),
    # not contact evasion
    ("weixin-prestige", "他在群里很有威信", "他在群里很有威信"),
    ("v-me-50", "v我50", "v我50"),
    ("toilet-paper", "加卫生纸", "加卫生纸"),
    ("date-not-joined", "2024-03-12 20:00 开会", "2024-03-12 20:00 开会"),
    ("list-not-joined", "1 2 3 木头人", "1 2 3 木头人"),
    ("version", "python3.11 版本", "python3.11 版本"),
    ("cpp", "c++ vs java", "c++ vs java"),
    # entities
    ("url", "https://pypi.tuna.tsinghua.edu.cn/simple 换源", "⟨url⟩ 换源"),
    ("bare-domain", "mp.weixin.qq.com/s/abc 这篇不错", "⟨url⟩ 这篇不错"),
    ("telegram-invite", "t.me/+Wm6wbm-vePw4YjRl", "⟨url⟩"),
    ("email", "联系 a.b@example.com", "联系 ⟨email⟩"),
    ("mention", "@小林 收到", "⟨at⟩ 收到"),
    ("mention-all", "@所有人 今晚八点开会", "⟨atall⟩ 今晚八点开会"),
    ("mention-run-on", "@小王你上次说的那个在哪买的", "⟨at⟩上次说的那个在哪买的"),
    ("phone-plain", "电话 13800001234", "电话 ⟨phone⟩"),
    ("phone-intl", "+86 100 0000 5678", "⟨phone⟩"),
    ("landline", "详询 0755-12345678", "详询 ⟨phone⟩"),
    ("price-yuan", "原价2999，今晚只要199元！", "原价2999,今晚只要⟨price⟩!"),
    ("price-range", "日结200-500元", "日结⟨price⟩"),
    ("price-r", "20r永久", "⟨price⟩永久"),
    ("price-yen-sign", "¥1,299 包邮", "⟨price⟩ 包邮"),
    ("price-decimal", "3.5元一斤", "⟨price⟩一斤"),
    ("long-number", "27447053 伽扣", "⟨num⟩ 伽扣"),
    ("masked-phone", "尾号 138****5678 的客户", "尾号 ⟨phone⟩ 的客户"),
    ("masked-digits", "详询xxxx-xxxxxxxx", "详询⟨num⟩-⟨num⟩"),
    ("short-x-kept", "x月x日开业", "x月x日开业"),
    ("latin-x-kept", "xxxxl码", "xxxl码"),
    ("emoji", "早安☀️今天降温了", "早安⟨emoji⟩今天降温了"),
    ("emoji-sarcasm", "你好厉害哦😅", "你好厉害哦⟨smirk⟩"),
    ("emoji-lure", "私我💋🔞", "私我⟨lure⟩⟨lure⟩"),
    ("emoji-skin-tone", "收到👍🏻", "收到⟨ok⟩"),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_normalize_table(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_normalize_is_idempotent_on_the_table(raw: str, expected: str) -> None:
    assert normalize(expected) == expected


SIMPLIFIED = [
    ("tw-software", "這個軟體的網路設定在哪裡", "这个软体的网路设定在哪里"),
    ("tw-variants", "臺灣的夥伴們週末見", "台湾的伙伴们周末见"),
    ("hk-variants", "裏面嘅嘢好多", "里面嘅嘢好多"),
    ("phrase-hair", "頭髮長了要理髮", "头发长了要理发"),
    ("phrase-dry", "乾淨的衣服晾乾了", "干净的衣服晾干了"),
    ("simplified-untouched", "这个软件的网络设置在哪里", "这个软件的网络设置在哪里"),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in SIMPLIFIED], ids=[c[0] for c in SIMPLIFIED])
def test_traditional_to_simplified(raw: str, expected: str) -> None:
    assert to_simplified(raw) == expected


@pytest.mark.parametrize(
    ("text", "traditional"),
    [("請問", True), ("请问", False), ("有冇人", False), ("軟體", True), ("hello", False)],
    ids=["trad", "simp", "cantonese-shared-chars", "trad-2", "latin"],
)
def test_is_traditional(text: str, traditional: bool) -> None:
    assert is_traditional(text) is traditional


def test_every_placeholder_is_recognised_by_the_placeholder_pattern() -> None:
    assert all(PLACEHOLDER_RE.fullmatch(p) for p in PLACEHOLDERS)


chat_alphabet = st.sampled_from(
    [
        *"哈啊的了吗？?！!。，,.-+ 　\n\t0123456789①❶０VvXx微信威薇扣qQ@#¥$元r",
        "😂",
        "❤",
        "\u200b",
        "[图片]",
        "⟨url⟩",
    ]
)
chat_like = st.lists(chat_alphabet, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_normalize_never_raises_and_is_idempotent_on_any_text(text: str) -> None:
    once = normalize(text)
    assert isinstance(once, str)
    assert normalize(once) == once


@settings(max_examples=400, deadline=None)
@given(chat_like)
def test_normalize_is_idempotent_on_chat_like_text(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_normalized_text_has_no_uppercase_latin_or_fullwidth_forms(text: str) -> None:
    out = normalize(text)
    assert not any("A" <= ch <= "Z" for ch in out)
    assert not any("\uff01" <= ch <= "\uff5e" for ch in out)
