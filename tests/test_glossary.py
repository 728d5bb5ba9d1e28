"""The English–Chinese glossary covers every technical term of the source article.

``ARTICLE_TERMS`` is the list of terms taken from the article
(``/work/shared/seed/source-article.zh.txt`` in the authors' workspace), written as they
appear there.  Each must appear in the article (when the article is available) and in
``backmatter/glossary.md``, and every glossary row must link to a chapter or page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "backmatter" / "glossary.md"
ARTICLE = Path("/work/shared/seed/source-article.zh.txt")

ARTICLE_TERMS = [
    "反向传播", "BP算法", "梯度下降", "线性分类器", "损失函数", "深度神经网络", "节点", "梯度",
    "梯度的维度", "参数", "参数量", "全链接网络", "感知机", "加权和", "激活函数", "输入层", "隐藏层",
    "one-hot", "多通道的图像", "损失函数空间", "Z字形", "敏感度", "局部“最优”", "局部极小值",
    "局部最大值", "局部极大值点", "鞍点", "平原区域", "高原", "平坦的地形", "冗余性", "悬崖", "梯度爆炸",
    "梯度截断", "Gradiant Clipping", "随机性噪声", "随机梯度下降", "mini-batch", "小批量", "抽样",
    "迭代", "收敛", "极值点", "牛顿法", "一阶偏导", "二阶泰勒展开", "黑塞矩阵", "Hessian矩阵",
    "牛顿步长", "二次函数", "曲率", "二阶导数", "特征值", "加权平均", "凸", "凹", "非凸", "拟牛顿法",
    "DFP", "BFGS", "L-BFGS", "动量", "动量法", "速度", "加速度", "惯性", "停止准则", "梯度估计",
    "指数移动加权平均", "指数衰减加权移动平均", "指数衰减", "Nestrov", "临时更新", "学习率",
    "学习率衰减", "学习率退火", "固定策略的学习率衰减", "分段衰减", "逆时衰减", "自适应学习率",
    "AdaGrad", "正则化", "RMSProp", "衰减率", "AdaDelta", "Adam", "自适应动量估计", "提效",
    "参考经验", "调整学习速度", "Ada算法", "Z字型", "自适应学习率衰减",
]

#: Terms the chapters add (marked † in the glossary): the article does not use them.
CHAPTER_TERMS = [
    "偏差修正", "条件数", "余弦衰减", "临界点", "驻点", "解耦权重衰减", "有效学习率", "轮次",
    "学习率预热", "噪声底", "预条件矩阵", "Robbins–Monro条件", "稀疏特征", "权重衰减",
]

#: Standard forms given beside the article's.
STANDARD_FORMS = ["局部极大值（点）", "局部极小值（点）", "梯度裁剪", "之字形", "锯齿形", "采样", "神经元",
                  "单元", "随机噪声", "梯度噪声", "偏差校正"]


def _cells(row):
    return [c.strip() for c in row.strip().strip("|").split(" | ")]


def _chinese_terms(cell):
    """The Chinese forms of a glossary cell, with the 原文 notes and brackets split off."""
    return [t for t in re.split(r"[；（）()：]|原文也作|原文", cell) if t.strip()]


def _rows():
    text = GLOSSARY.read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| English")
            and not line.startswith("| ---")]


@pytest.mark.skipif(not ARTICLE.exists(), reason="the source article is not in this checkout")
@pytest.mark.parametrize("term", ARTICLE_TERMS)
def test_term_is_in_the_article(term):
    article = ARTICLE.read_text(encoding="utf-8")
    assert term.lower() in article.lower(), f"{term} is not a term of the article"


@pytest.mark.parametrize("term", CHAPTER_TERMS + STANDARD_FORMS)
def test_added_and_standard_terms_are_in_the_glossary(term):
    assert term in "\n".join(_rows()), f"{term} is missing from the glossary"


@pytest.mark.skipif(not ARTICLE.exists(), reason="the source article is not in this checkout")
def test_entries_marked_as_additions_are_exactly_those_not_in_the_article():
    """A row is marked † if and only if none of its Chinese forms occurs in the article."""
    article = ARTICLE.read_text(encoding="utf-8")
    for row in _rows():
        english, chinese, _, _ = _cells(row)
        forms = _chinese_terms(chinese.replace("L²", "L^2"))
        in_article = any(t.strip() in article for t in forms)
        assert english.endswith("†") != in_article, row


@pytest.mark.parametrize("term", ARTICLE_TERMS)
def test_term_is_in_the_glossary(term):
    text = "\n".join(_rows())
    normalised = text.replace("L²", "L^2")
    assert term.lower() in text.lower() or term in normalised, f"{term} is missing from the glossary"


def test_every_row_has_chinese_a_definition_and_a_link():
    rows = _rows()
    assert len(rows) >= 60
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) == 4, row
        english, chinese, definition, where = cells
        assert english and chinese and len(definition) > 15, row
        assert re.fullmatch(r"\{ref\}`(ch(0[1-9]|10)|backprop)`", where), row


def test_rows_are_in_alphabetical_order():
    english = [row.strip("|").split(" | ")[0].strip().lower() for row in _rows()]
    assert english == sorted(english)
