"""The query language: parser, client-side matching, and the per-source compilers.

The property tests re-read each compiled query with a reference reader of that API's syntax and
check that it agrees with the client-side filter (exactly where the syntax can say the same thing,
and never missing a match where the compiler has to widen).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brandpulse.listeners.errors import QueryNotSupported, QuerySyntaxError
from brandpulse.listeners.query import (
    FALSE,
    TRUE,
    And,
    BrandQuery,
    Not,
    Or,
    Term,
    evaluate,
    fold,
    format_query,
    parse,
    to_algolia,
    to_bluesky,
    to_mastodon,
    to_reddit,
    to_web,
    to_x,
)

# -- parser ------------------------------------------------------------------------------------------


def test_parser_precedence_phrases_and_shorthand():
    assert parse('acme OR "acme corp" phone') == Or((Term("acme"), And((Term("acme corp"), Term("phone")))))
    assert parse("NOT a AND (b OR c)") == And((Not(Term("a")), Or((Term("b"), Term("c")))))
    assert parse("-spam acme") == And((Not(Term("spam")), Term("acme")))
    assert parse("t-mobile") == Term("t-mobile")
    assert parse(r'"say \"hi\""') == Term('say "hi"')
    assert parse("or and") == And((Term("or"), Term("and")))  # lower case words are terms


@pytest.mark.parametrize(("expression", "position", "reason"), [
    ("(acme OR phone", 0, "unclosed '('"),
    ("acme OR", 7, "expected a term at the end"),
    ("acme )", 5, "unbalanced ')'"),
    ('acme "corp', 5, "unterminated quote"),
    ("", 0, "empty expression"),
    ("acme AND AND phone", 9, "expected a term before AND"),
    ("()", 1, "empty parentheses"),
    ('acme ""', 5, "empty phrase"),
])
def test_parser_errors_carry_the_position(expression, position, reason):
    with pytest.raises(QuerySyntaxError) as err:
        parse(expression)
    assert err.value.position == position and reason in err.value.reason
    assert "^" in str(err.value)


def test_a_bad_expression_fails_when_the_brand_query_is_built():
    with pytest.raises(QuerySyntaxError):
        BrandQuery("Acme", expression="acme AND (")
    with pytest.raises(ValueError):
        BrandQuery("Acme", terms=("  ",))


# -- matching ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("terms", "text", "expected"), [
    (("acme",), "I love ACME!", True),
    (("acme",), "Acme's new phone", True),
    (("acme",), "acmecorp is different", False),
    (("acme",), "the #acme tag", True),
    (("acme",), "email me@acme.com", True),
    (("café",), "Cafe open", True),
    (("cafe",), "Grand CAFÉ", True),
    (("Müller",), "MULLER wins", True),
    (("straße",), "STRASSE", True),
    (("ｃｏｋｅ",), "coke zero", True),
    (("Acme Corp",), "acme   corp\nrocks", True),
    (("Acme Corp",), "acme corporation", False),
    (("#AcmeLove",), "so #acmelove", True),
    (("#acme",), "#acmelove", False),
    (("@acme",), "hi @ACME help", True),
    (("@acme",), "mail e@acme.com", False),
    (("苹果",), "我喜欢苹果手机", True),
    (("Apple",), "我喜欢Apple手机", True),
    (("ソニー",), "新しいソニーのテレビ", True),
    (("삼성",), "삼성전자가 발표했다", True),
    (("ガ",), "カメラ", False),  # dakuten is not an accent to fold away
    (("S24",), "Galaxy S245", False),
    (("S24",), "Galaxy S24.", True),
])
def test_matching_rules(terms, text, expected):
    assert BrandQuery("x", terms=terms).matches(text) is expected


def test_brand_name_is_the_default_term_and_exclusions_and_expression_narrow():
    assert BrandQuery("Acme").matches("acme rocks")
    q = BrandQuery("Acme", terms=("acme",), exclusions=("acme bank",), expression="phone OR laptop")
    assert q.matches("my acme phone") and not q.matches("acme bank phone") and not q.matches("acme car")
    only_expression = BrandQuery("Acme", expression='"road runner" -coyote')
    assert only_expression.matches("Road Runner!") and not only_expression.matches("road runner and coyote")


def test_language_filter_accepts_unknown_and_regional_variants():
    q = BrandQuery("Acme", terms=("acme",), languages=("en", "pt-BR"))
    assert q.matches("acme", "en-GB") and q.matches("acme", None) and q.matches("acme", "pt_br")
    assert not q.matches("acme", "de") and not q.matches("acme", "pt")
    assert not q.matches("", "en") and not q.matches(None)


def test_matched_query_and_terms():
    q = BrandQuery("Acme", terms=("acme",), hashtags=("AcmeLove",), handles=("acme_help",))
    assert q.matched_query == "acme OR #AcmeLove OR @acme_help"  # terms, aliases, hashtags, handles
    assert q.matched_terms("#acmelove from @ACME_help") == ["#AcmeLove", "@acme_help"]
    assert BrandQuery("Acme", terms=["a", "b"]).terms == ("a", "b")  # lists are stored as tuples


# -- compilers: exact outputs ------------------------------------------------------------------------

SAMPLE = BrandQuery("Acme", terms=("acme", "Acme Corp"), hashtags=("AcmeLove",), handles=("acme_help",),
                    exclusions=("acme bank",), expression="phone OR laptop", languages=("en",))


def test_compiled_queries():
    assert to_x(SAMPLE) == ('(acme OR "Acme Corp" OR #AcmeLove OR @acme_help) (phone OR laptop) '
                            '-"acme bank" -is:retweet lang:en')
    assert to_reddit(SAMPLE) == ('(acme OR "Acme Corp" OR "#AcmeLove" OR "@acme_help") AND (phone OR laptop) '
                                 'AND NOT "acme bank"')
    assert to_bluesky(SAMPLE) == ('(acme | "Acme Corp" | #AcmeLove | "@acme_help") (phone | laptop) '
                                  '-"acme bank"')
    assert to_web(SAMPLE) == '(acme OR "Acme Corp" OR #AcmeLove OR @acme_help) (phone OR laptop) -"acme bank"'
    assert [a.query for a in to_algolia(BrandQuery("Acme", terms=("acme", "Acme Corp"), exclusions=("bank",)))] \
        == ["acme -bank", '"Acme Corp" -bank']
    assert to_mastodon(SAMPLE)[:2] == ["acme phone", "acme laptop"]


def test_compiler_limits_and_impossible_queries():
    long = BrandQuery("Acme", terms=tuple(f"term{n}" for n in range(80)))
    with pytest.raises(QueryNotSupported, match="over the limit of 512"):
        to_x(long)
    assert to_x(long, max_length=1024)
    with pytest.raises(QueryNotSupported, match="more than 8 searches"):
        to_algolia(BrandQuery("Acme", terms=tuple(f"t{n}" for n in range(9))))
    with pytest.raises(QueryNotSupported, match="at least one term"):
        to_x(BrandQuery("Acme", expression="NOT spam"))
    assert to_x(BrandQuery("Acme", terms=("OR", "-x", "a:b"))) == '("OR" OR "-x" OR "a:b") -is:retweet'


# -- property tests ----------------------------------------------------------------------------------

LETTERS = "abcdefgxyz"
ACCENTED = "éüñçÅø"
CJK = "品牌手机苹果"
word = st.text(alphabet=LETTERS + ACCENTED + CJK + "0123", min_size=1, max_size=6).filter(
    lambda w: bool(fold(w)))
inner_word = st.builds(lambda a, sep, b: a + sep + b, word, st.sampled_from(["-", "'", "."]), word)
plain_term = st.one_of(word, word, inner_word, st.sampled_from(["OR", "and", "NOT"]))
term_text = st.one_of(
    plain_term,
    st.lists(word, min_size=2, max_size=3).map(" ".join),
    st.text(alphabet=LETTERS, min_size=1, max_size=5).map(lambda w: "#" + w),
    st.text(alphabet=LETTERS, min_size=1, max_size=5).map(lambda w: "@" + w),
)


def trees(with_not: bool):
    leaf = term_text.map(Term)

    def extend(children):
        nodes = [st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
                 st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs)))]
        if with_not:
            nodes.append(children.map(Not))
        return st.one_of(*nodes)

    return st.recursive(leaf, extend, max_leaves=6)


def queries(with_not: bool):
    return st.builds(
        lambda terms, aliases, tags, handles, exclusions, tree: BrandQuery(
            "Brand", terms=tuple(terms), aliases=tuple(aliases), hashtags=tuple(tags), handles=tuple(handles),
            exclusions=tuple(exclusions), expression=format_query(tree) if tree is not None else None,
            include_reposts=True),
        st.lists(term_text, min_size=1, max_size=3), st.lists(term_text, max_size=1),
        st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=4), max_size=1),
        st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=4), max_size=1),
        st.lists(term_text, max_size=2), st.one_of(st.none(), trees(with_not)))


def _words_of(q: BrandQuery) -> list[str]:
    found = re.findall(r'"((?:[^"\\]|\\.)*)"|([^\s()"]+)', q.matched_query)
    out = [a or b for a, b in found if a or b not in ("AND", "OR", "NOT")]
    return out + [w for text in out for w in text.split()] + ["acme"]


def texts_for(q: BrandQuery):
    pieces = _words_of(q)
    variants = st.sampled_from(pieces).flatmap(lambda p: st.sampled_from(
        [p, p.upper(), p.title(), p.replace("é", "e").replace("ü", "U"), p + "x", "x" + p]))
    noise = st.sampled_from(["foo", "BAR", "品", "é", "42", "acme", "#", "@"])
    sep = st.sampled_from([" ", "", ", ", "#", "@", "-", "'s ", "\n", "。"])
    return st.lists(st.tuples(st.one_of(variants, variants, noise), sep), min_size=0, max_size=8).map(
        lambda parts: "".join(p + s for p, s in parts))


def read_dialect(text: str, *, or_words=("OR",), and_words=(), not_words=(), dash=True):
    """A reference reader for the compiled syntaxes: quotes (no escapes), parentheses, and the given
    operators; `field:value` operators (is:retweet, lang:en) read as always true."""
    return DialectReader(text, or_words=or_words, and_words=and_words, not_words=not_words, dash=dash).read()


class DialectReader:
    """A recursive-descent reading of one compiled query: OR binds loosest, then AND (or juxtaposition),
    then NOT (a word or a leading dash)."""

    def __init__(self, text: str, *, or_words, and_words, not_words, dash: bool) -> None:
        self.text = text
        self.tokens = re.findall(r'-?"[^"]*"|\(|\)|[^\s()"]+', text)
        self.pos = 0
        self.or_words, self.and_words, self.not_words, self.dash = or_words, and_words, not_words, dash

    def read(self):
        node = self.parse_or()
        assert self.pos == len(self.tokens), (self.text, self.tokens[self.pos:])
        return node

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        self.pos += 1
        return self.tokens[self.pos - 1]

    def parse_or(self):
        items = [self.parse_and()]
        while self.peek() in self.or_words:
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self):
        items = [self.parse_not()]
        while self.peek() is not None and self.peek() != ")" and self.peek() not in self.or_words:
            if self.peek() in self.and_words:
                self.take()
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self):
        token = self.peek()
        if token in self.not_words:
            self.take()
            return Not(self.parse_not())
        if self.dash and token and token.startswith("-") and len(token) > 1:
            self.tokens[self.pos] = token[1:]
            return Not(self.parse_not())
        return self.atom()

    def atom(self):
        token = self.take()
        if token == "(":
            node = self.parse_or()
            assert self.take() == ")"
            return node
        if token.startswith('"'):
            return Term(token[1:-1])
        if re.fullmatch(r"[a-z]+:\S+", token):
            return TRUE
        return Term(token)


DIALECTS = {
    "x": lambda q: read_dialect(to_x(q)),
    "web": lambda q: read_dialect(to_web(q)),
    "reddit": lambda q: read_dialect(to_reddit(q), and_words=("AND",), not_words=("NOT",), dash=False),
    "bluesky": lambda q: read_dialect(to_bluesky(q), or_words=("|",)),
    "algolia": lambda q: Or(tuple(read_dialect(a.query, or_words=()) for a in to_algolia(q, max_queries=64))),
    "mastodon": lambda q: Or(tuple(read_dialect(s, or_words=()) for s in to_mastodon(q, max_queries=64))),
}
EXACT = ("x", "web", "reddit", "bluesky")


def compiled(q: BrandQuery, dialect: str):
    try:
        return DIALECTS[dialect](q)
    except QueryNotSupported:
        return None


def check_dialects(data, *, with_not: bool, dialects, exact: bool) -> None:
    """Draw a query and texts; each dialect's reading of its compiled query must give the filter's
    answer (`exact`) or at least never miss what the filter keeps."""
    q = data.draw(queries(with_not=with_not))
    read = {d: compiled(q, d) for d in dialects}
    for text in data.draw(st.lists(texts_for(q), min_size=1, max_size=6)):
        expected = q.matches(text)
        folded = fold(text)
        for dialect, tree in read.items():
            if tree is None or not (exact or expected):
                continue
            assert evaluate(tree, folded) == expected, (dialect, q.matched_query, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compiled_queries_agree_with_the_filter(data):
    check_dialects(data, with_not=False, dialects=EXACT, exact=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_compiled_queries_never_miss_what_the_filter_keeps(data):
    check_dialects(data, with_not=True, dialects=DIALECTS, exact=False)


@settings(max_examples=150, deadline=None)
@given(trees(with_not=True), st.lists(st.text(alphabet=LETTERS + ACCENTED + CJK + " #@-'", max_size=20),
                                      max_size=5))
def test_format_then_parse_means_the_same(tree, texts):
    again = parse(format_query(tree))
    for text in texts:
        assert evaluate(again, fold(text)) == evaluate(tree, fold(text))


@given(st.text())
def test_fold_is_idempotent_and_never_fails(text):
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet=LETTERS + ACCENTED + CJK, min_size=1, max_size=8), st.text(max_size=30),
       st.text(max_size=30))
def test_a_term_is_found_wherever_it_stands_alone(term, before, after):
    q = BrandQuery("x", terms=(term,))
    assert q.matches(f"{before} {term} {after}") or not fold(term)


def test_true_and_false_are_empty_groups():
    assert evaluate(TRUE, "") and not evaluate(FALSE, "anything")
