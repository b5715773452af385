from __future__ import annotations

import pytest

from brandpulse.sentiment import detect_language, detect_languages


@pytest.mark.parametrize(("text", "code"), [
    ("I really love the new update, it works great", "en"),
    ("Je déteste attendre aussi longtemps au service client", "fr"),
    ("Das neue Handy ist wirklich großartig und schnell", "de"),
    ("El servicio fue horrible y nadie me ayudó", "es"),
    ("O atendimento foi ótimo, recomendo a todos", "pt"),
    ("Il prodotto è arrivato rotto, che delusione", "it"),
    ("هذا المنتج رائع جدا وأنصح به", "ar"),
    ("这个产品很好用，我很喜欢", "zh"),
    ("Это ужасный сервис, больше не приду", "ru"),
    ("@user check this https://t.co/xyz #awesome the camera is amazing", "en"),
])
def test_detects_languages(text, code):
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "12345 !!!", "https://t.co/abc", "@user", "\ud800", None])
def test_undecidable_is_none(text):
    assert detect_language(text) is None


def test_batch_equals_single():
    texts = ["hello there my friend", "", "bonjour tout le monde, merci", "😀", "hola amigos, que tal"]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
