"""Chinese search terms of the demo catalog's product types (τ names its products by type).

Catalog data, stored with each seeded product as ``search_terms`` and indexed, so a shopper
searching "瑜伽垫" finds the Yoga Mat in REST, MCP, the web page and the agent alike.
"""

from __future__ import annotations

SEARCH_TERMS: dict[str, str] = {
    "Action Camera": "运动相机",
    "Air Purifier": "空气净化器",
    "Backpack": "双肩包 背包",
    "Bicycle": "自行车 单车",
    "Bluetooth Speaker": "蓝牙音箱 蓝牙音响 音箱 音响",
    "Bookshelf": "书架",
    "Coffee Maker": "咖啡机",
    "Cycling Helmet": "骑行头盔 头盔",
    "Desk Lamp": "台灯",
    "Digital Camera": "数码相机 相机",
    "Dumbbell Set": "哑铃",
    "E-Reader": "电子书阅读器 电子阅读器",
    "Electric Kettle": "电水壶 电热水壶",
    "Electric Toothbrush": "电动牙刷",
    "Espresso Machine": "意式咖啡机 浓缩咖啡机",
    "Fleece Jacket": "抓绒夹克 摇粒绒外套 夹克 外套",
    "Gaming Mouse": "游戏鼠标 鼠标",
    "Garden Hose": "浇水软管 水管",
    "Grill": "烤架 烧烤炉",
    "Headphones": "头戴式耳机 耳机",
    "Hiking Boots": "登山靴 徒步鞋",
    "Indoor Security Camera": "监控摄像头 摄像头",
    "Jigsaw Puzzle": "拼图",
    "LED Light Bulb": "灯泡",
    "Laptop": "笔记本电脑 电脑",
    "Luggage Set": "行李箱",
    "Makeup Kit": "化妆套装 化妆品",
    "Mechanical Keyboard": "机械键盘 键盘",
    "Notebook": "笔记本",
    "Office Chair": "办公椅 椅子",
    "Patio Umbrella": "遮阳伞",
    "Perfume": "香水",
    "Pet Bed": "宠物床 宠物窝",
    "Portable Charger": "充电宝 移动电源",
    "Running Shoes": "跑鞋 跑步鞋",
    "Skateboard": "滑板",
    "Smart Thermostat": "智能温控器 温控器",
    "Smart Watch": "智能手表",
    "Smartphone": "手机",
    "Sneakers": "运动鞋 球鞋",
    "Sunglasses": "太阳镜 墨镜",
    "T-Shirt": "T恤",
    "Tablet": "平板电脑 平板",
    "Tea Kettle": "茶壶",
    "Vacuum Cleaner": "吸尘器",
    "Wall Clock": "挂钟",
    "Water Bottle": "水瓶 水杯",
    "Wireless Earbuds": "无线耳机 蓝牙耳机",
    "Wristwatch": "手表 腕表",
    "Yoga Mat": "瑜伽垫",
}


def search_terms_for(product_type: str) -> str:
    """The search terms a seeded product of ``product_type`` gets ("" for an unknown type)."""
    return SEARCH_TERMS.get(product_type, "")
