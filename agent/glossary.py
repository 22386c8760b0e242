"""Chinese shopping words in the catalog's English.

The catalog is written in English, so a search for "瑜伽垫" finds nothing. Asked in Chinese, the
1.5B model often copies the shopper's words into the query instead of translating them; this
glossary translates what it left untranslated. It covers the demo catalog's product types and
the colours, materials and features its options use; a query with words outside it is left as
the model wrote it.
"""

from __future__ import annotations

import re

# Longer terms first where one contains another (蓝牙音箱 before 音箱), see _ORDERED.
TERMS: dict[str, str] = {
    "运动相机": "action camera",
    "空气净化器": "air purifier",
    "双肩包": "backpack",
    "背包": "backpack",
    "自行车": "bicycle",
    "单车": "bicycle",
    "蓝牙音箱": "bluetooth speaker",
    "蓝牙音响": "bluetooth speaker",
    "音箱": "speaker",
    "音响": "speaker",
    "书架": "bookshelf",
    "咖啡机": "coffee maker",
    "骑行头盔": "cycling helmet",
    "头盔": "helmet",
    "台灯": "desk lamp",
    "数码相机": "digital camera",
    "相机": "camera",
    "哑铃": "dumbbell set",
    "电子书阅读器": "e-reader",
    "电子阅读器": "e-reader",
    "电水壶": "electric kettle",
    "电热水壶": "electric kettle",
    "电动牙刷": "electric toothbrush",
    "意式咖啡机": "espresso machine",
    "浓缩咖啡机": "espresso machine",
    "抓绒夹克": "fleece jacket",
    "摇粒绒外套": "fleece jacket",
    "夹克": "jacket",
    "外套": "jacket",
    "游戏鼠标": "gaming mouse",
    "鼠标": "mouse",
    "浇水软管": "garden hose",
    "水管": "garden hose",
    "烤架": "grill",
    "烧烤炉": "grill",
    "头戴式耳机": "headphones",
    "耳机": "headphones",
    "登山靴": "hiking boots",
    "徒步鞋": "hiking boots",
    "监控摄像头": "security camera",
    "摄像头": "security camera",
    "拼图": "jigsaw puzzle",
    "灯泡": "led light bulb",
    "笔记本电脑": "laptop",
    "电脑": "laptop",
    "行李箱": "luggage set",
    "化妆套装": "makeup kit",
    "化妆品": "makeup kit",
    "机械键盘": "mechanical keyboard",
    "键盘": "keyboard",
    "笔记本": "notebook",
    "办公椅": "office chair",
    "椅子": "chair",
    "遮阳伞": "patio umbrella",
    "香水": "perfume",
    "宠物床": "pet bed",
    "宠物窝": "pet bed",
    "充电宝": "portable charger",
    "移动电源": "portable charger",
    "跑鞋": "running shoes",
    "跑步鞋": "running shoes",
    "滑板": "skateboard",
    "智能温控器": "smart thermostat",
    "温控器": "thermostat",
    "智能手表": "smart watch",
    "手机": "smartphone",
    "运动鞋": "sneakers",
    "球鞋": "sneakers",
    "太阳镜": "sunglasses",
    "墨镜": "sunglasses",
    "T恤": "t-shirt",
    "t恤": "t-shirt",
    "平板电脑": "tablet",
    "平板": "tablet",
    "茶壶": "tea kettle",
    "吸尘器": "vacuum cleaner",
    "挂钟": "wall clock",
    "水瓶": "water bottle",
    "水杯": "water bottle",
    "无线耳机": "wireless earbuds",
    "蓝牙耳机": "wireless earbuds",
    "手表": "wristwatch",
    "腕表": "wristwatch",
    "瑜伽垫": "yoga mat",
    "防水": "waterproof",
    "无线": "wireless",
    "黑色": "black",
    "白色": "white",
    "红色": "red",
    "蓝色": "blue",
    "绿色": "green",
    "灰色": "gray",
    "黄色": "yellow",
    "粉色": "pink",
    "紫色": "purple",
    "棕色": "brown",
    "银色": "silver",
    "金色": "gold",
    "皮革": "leather",
    "不锈钢": "stainless steel",
    "塑料": "plastic",
    "玻璃": "glass",
    "棉": "cotton",
}
_ORDERED = sorted(TERMS, key=len, reverse=True)
_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACES = re.compile(r"\s+")


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds any CJK ideograph."""
    return bool(_CJK.search(text))


def translate_query(query: str) -> str:
    """``query`` with the glossary's Chinese terms in English; unchanged when none is known.

    Chinese left over after translation (particles such as 的, 有没有) is dropped: it cannot
    match the English catalog. A query with no known term is returned as it was.
    """
    if not has_chinese(query):
        return query
    words: list[str] = []
    rest = query
    for term in _ORDERED:
        if term in rest:
            words.append(TERMS[term])
            rest = rest.replace(term, " ")
    if not words:
        return query
    leftover = _SPACES.sub(" ", _CJK.sub(" ", rest)).strip()
    # Keep the shopper's order of features before the product type: "waterproof jacket".
    english = " ".join(dict.fromkeys(sorted(words, key=_is_product_type)))
    return f"{leftover} {english}".strip() if leftover else english


def _is_product_type(word: str) -> bool:
    """Features (colours, materials, waterproof) sort before product types."""
    return word not in _FEATURES


_FEATURES = {
    "waterproof", "wireless", "black", "white", "red", "blue", "green", "gray", "yellow",
    "pink", "purple", "brown", "silver", "gold", "leather", "stainless steel", "plastic",
    "glass", "cotton",
}  # fmt: skip
