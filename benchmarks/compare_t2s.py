"""Traditional → Simplified converters compared on correctness and speed (prints figures).

    .venv/bin/python benchmarks/compare_t2s.py

Correctness: ``exact`` is the exact-match rate on a hand-checked table of Taiwan, Hong Kong and
Cantonese messages (character-level Simplified, the same sentence in the same words); ``kept`` is the
share of Simplified messages returned unchanged (a converter must not damage the majority script).
Speed: short messages per second on one core. zhconv and hanziconv are measured when installed
(`pip install zhconv hanziconv`); they are not project dependencies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

TABLE = [
    ("請問這個軟體怎麼下載", "请问这个软体怎么下载"),
    ("頭髮長了要去理髮", "头发长了要去理发"),
    ("乾淨的衣服晾乾了", "干净的衣服晾干了"),
    ("臺灣的夥伴們週末見", "台湾的伙伴们周末见"),
    ("裏面嘅嘢好多", "里面嘅嘢好多"),
    ("有冇人知道呢間餐廳幾多錢", "有冇人知道呢间餐厅几多钱"),
    ("佢哋話聽日落雨，係咪真㗎", "佢哋话听日落雨，系咪真㗎"),
    ("唔該幫我睇下呢個報價", "唔该帮我睇下呢个报价"),
    ("這個面膜我用了三個月，皮膚變好了", "这个面膜我用了三个月，皮肤变好了"),
    ("週末有人一起去爬山嗎", "周末有人一起去爬山吗"),
    ("寶寶發燒到幾度要去醫院", "宝宝发烧到几度要去医院"),
    ("我們後來才知道他的後臺很硬", "我们后来才知道他的后台很硬"),
    ("這家麵店的麵條很有嚼勁", "这家面店的面条很有嚼劲"),
    ("他著急地寫著報告", "他着急地写着报告"),
    ("鐘錶店的鐘停了", "钟表店的钟停了"),
    ("聯繫我拿優惠券，限時搶購", "联系我拿优惠券，限时抢购"),
    ("這隻貓咪好可愛，毛孩超乖", "这只猫咪好可爱，毛孩超乖"),
    ("衝浪板出租，一天兩百", "冲浪板出租，一天两百"),
    ("網路很慢，影片一直卡", "网路很慢，影片一直卡"),
    ("你個衰人，收皮啦", "你个衰人，收皮啦"),
    ("買咗部新機，好正", "买咗部新机，好正"),
    ("請大家不要在群組裡發廣告", "请大家不要在群组里发广告"),
    ("發財了，恭喜發財", "发财了，恭喜发财"),
    ("隻身一人在外，覺得好孤單", "只身一人在外，觉得好孤单"),
    ("這個鬆餅裡面有奶油", "这个松饼里面有奶油"),
    ("他們為了這件事吵了一整晚", "他们为了这件事吵了一整晚"),
    ("醫生說要多喝溫開水", "医生说要多喝温开水"),
    ("複習資料在群檔案裡", "复习资料在群档案里"),
    ("幹嘛這麼兇", "干嘛这么凶"),
    ("捷運站出口見，記得帶悠遊卡", "捷运站出口见，记得带悠游卡"),
]


# Simplified (mainland) messages must come back unchanged: most traffic is Simplified already.
UNCHANGED = [
    "你在干什么呢",
    "这样是么",
    "行么 给个准话",
    "么么哒晚安",
    "可以么",
    "吃了么",
    "著名的作家",
    "要么去要么别去",
    "干嘛么 这么凶",
    "后台发了",
    "头发剪短了",
    "里面有面条",
    "松饼好吃",
    "只身一人",
    "复习资料",
]


def converters() -> dict[str, Callable[[str], str]]:
    import opencc

    found: dict[str, Callable[[str], str]] = {}
    for config in ("t2s", "tw2s", "hk2s", "tw2sp"):
        found[f"opencc {config}"] = opencc.OpenCC(config).convert
    try:
        import zhconv

        found["zhconv zh-cn"] = lambda text: zhconv.convert(text, "zh-cn")
    except ImportError:
        pass
    try:
        from hanziconv import HanziConv

        found["hanziconv"] = HanziConv.toSimplified
    except ImportError:
        pass
    return found


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = [source for source, _ in TABLE] * 400
    print(f"{'converter':<16}{'exact':>8}{'kept':>8}{'messages/s':>14}  misses")
    for name, convert in converters().items():
        misses = [(s, convert(s)) for s, expected in TABLE if convert(s) != expected]
        damaged = [(s, convert(s)) for s in UNCHANGED if convert(s) != s]
        start = time.perf_counter()
        for text in texts:
            convert(text)
        rate = len(texts) / (time.perf_counter() - start)
        shown = "; ".join(f"{got}" for _, got in (misses + damaged)[:4])
        kept = 1 - len(damaged) / len(UNCHANGED)
        print(f"{name:<16}{1 - len(misses) / len(TABLE):>8.0%}{kept:>8.0%}{rate:>14,.0f}  {shown}")


if __name__ == "__main__":
    main()
