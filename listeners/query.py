"""A brand's query: what to search for on every source, and what to leave out.

One query language for every source:

* `BrandQuery` holds the plain lists (terms, aliases, handles, hashtags, exclusions, languages) and an
  optional boolean `expression`. Its meaning is
  ``(any term, alias, handle or hashtag) AND expression AND NOT (any exclusion)``; with no term at all
  the brand name is the term, and with only an expression the expression alone decides.
* `parse(expression)` reads the boolean syntax: words, ``"quoted phrases"`` (``\\"`` and ``\\\\``
  escape inside quotes), ``AND``, ``OR``, ``NOT`` (upper case only; juxtaposition is AND), ``-word`` as
  a short NOT, and parentheses. Precedence: NOT, then AND, then OR. Bad input raises
  `QuerySyntaxError` with the 0-based position of the problem.
* `BrandQuery.matches(text, language=None)` is the client-side filter every listener applies last.
* `to_x`, `to_reddit`, `to_bluesky`, `to_algolia`, `to_mastodon`, `to_web` compile the same query to
  each API's search syntax. Whatever a syntax cannot express exactly is widened, never narrowed (a
  negation that cannot be written is dropped), so the server returns a superset and the client-side
  filter makes the final decision.

Matching rules (the same for the filter and, as far as they can express it, the compilers):

* Text and terms are folded the same way: NFKC, case folded, accents removed from Latin, Greek and
  Cyrillic letters, apostrophes and dashes unified, whitespace collapsed. So ``cafe``, ``Café`` and
  ``CAFÉ`` are the same term; ``Müller`` matches ``muller`` and ``MÜLLER``. Marks that carry meaning in
  other scripts (Japanese dakuten, Devanagari or Thai vowel signs) are kept.
* A term matches at word boundaries in scripts written with spaces: ``acme`` matches ``Acme's`` and
  ``#acme`` but not ``acmecorp``; ``#acme`` and ``@acme`` must stand alone too (``e@acme.com`` is not a
  mention). In scripts written without spaces (Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar)
  a term matches as a substring, and a Latin term next to such text matches (``我爱Acme手机``).
* A phrase matches its folded words separated by any whitespace.
* Languages: when the brand lists languages and the item's language is known, items in other
  languages are rejected (``en`` accepts ``en-GB``); an unknown language is accepted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .errors import QueryNotSupported, QuerySyntaxError

__all__ = [
    "FALSE",
    "TRUE",
    "AlgoliaQuery",
    "And",
    "BrandQuery",
    "Node",
    "Not",
    "Or",
    "Term",
    "evaluate",
    "fold",
    "format_query",
    "parse",
    "term_in",
    "to_algolia",
    "to_bluesky",
    "to_mastodon",
    "to_reddit",
    "to_web",
    "to_x",
]

# --------------------------------------------------------------------------------------------------
# Folding and term search
# --------------------------------------------------------------------------------------------------

_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),   # Thai, Lao
    (0x1000, 0x109F),   # Myanmar
    (0x1100, 0x11FF),   # Hangul Jamo
    (0x1780, 0x17FF),   # Khmer
    (0x2E80, 0x2FDF),   # CJK radicals
    (0x3040, 0x31FF),   # Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo
    (0x3400, 0x4DBF),   # CJK extension A
    (0x4E00, 0x9FFF),   # CJK unified ideographs
    (0xA960, 0xA97F),   # Hangul Jamo extended A
    (0xAC00, 0xD7FF),   # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),   # CJK compatibility ideographs
    (0xFF66, 0xFF9F),   # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)

_PUNCT_MAP = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'", "\uff07": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00ad": None,  # soft hyphen
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,  # zero-width
})


def _unspaced(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _UNSPACED_RANGES)


def _strippable_base(ch: str) -> bool:
    """Letters whose accents we fold away: Latin, IPA, Greek, Cyrillic and their extensions."""
    code = ord(ch)
    return code < 0x0530 or 0x1E00 <= code <= 0x1FFF


def fold(text: str) -> str:
    """The normal form both texts and terms are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
    decomposed = unicodedata.normalize("NFD", text)
    out: list[str] = []
    base = ""
    for ch in decomposed:
        if unicodedata.category(ch) == "Mn":
            if base and _strippable_base(base):
                continue
        else:
            base = ch
        out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    return " ".join(text.split())


def _wordish(ch: str) -> bool:
    """A character that glues to its neighbours in a script written with spaces."""
    return (ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")) and not _unspaced(ch)


def term_in(term: str, text: str) -> bool:
    """Whether the folded `term` occurs in the folded `text` at word boundaries (CJK: anywhere)."""
    if not term:
        return False
    first, last = term[0], term[-1]
    left_strict = _wordish(first) or first in "#@"
    right_strict = _wordish(last)
    start = 0
    length = len(term)
    while True:
        index = text.find(term, start)
        if index < 0:
            return False
        end = index + length
        left_ok = index == 0 or not (left_strict and _wordish(text[index - 1]))
        right_ok = end == len(text) or not (right_strict and _wordish(text[end]))
        if left_ok and right_ok:
            return True
        start = index + 1


# --------------------------------------------------------------------------------------------------
# The syntax tree
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase, #hashtag or @handle. `folded` is what matching compares."""

    text: str
    folded: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        text = " ".join(self.text.split())
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "folded", fold(text))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Term) and other.folded == self.folded

    def __hash__(self) -> int:
        return hash(("term", self.folded))

    @property
    def kind(self) -> str:
        if self.text.startswith("#") and len(self.text) > 1 and " " not in self.text:
            return "hashtag"
        if self.text.startswith("@") and len(self.text) > 1 and " " not in self.text:
            return "handle"
        return "phrase" if " " in self.text else "word"


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Term | And | Or | Not

#: The always-true and always-false nodes (an empty AND and an empty OR).
TRUE: Node = And(())
FALSE: Node = Or(())


def evaluate(node: Node, folded_text: str) -> bool:
    """Evaluate `node` against text that has already been through `fold`."""
    if isinstance(node, Term):
        return term_in(node.folded, folded_text)
    if isinstance(node, And):
        return all(evaluate(item, folded_text) for item in node.items)
    if isinstance(node, Or):
        return any(evaluate(item, folded_text) for item in node.items)
    return not evaluate(node.item, folded_text)


def _group(kind: type[And] | type[Or], items: Iterable[Node], absorbing: Node) -> Node:
    """`kind` of `items`, flattened and de-duplicated; `absorbing` (FALSE for AND, TRUE for OR) wins."""
    flat: list[Node] = []
    for item in items:
        if isinstance(item, kind):
            flat.extend(item.items)
        elif item == absorbing:
            return absorbing
        else:
            flat.append(item)
    unique = tuple(dict.fromkeys(flat))
    return unique[0] if len(unique) == 1 else kind(unique)


def _and(items: Iterable[Node]) -> Node:
    return _group(And, items, FALSE)


def _or(items: Iterable[Node]) -> Node:
    return _group(Or, items, TRUE)


def _not(item: Node) -> Node:
    if isinstance(item, Not):
        return item.item
    if item == TRUE:
        return FALSE
    if item == FALSE:
        return TRUE
    return Not(item)


# --------------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------------

_KEYWORDS = {"AND", "OR", "NOT"}
_SPECIAL = '()"'


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "TERM", "END"
    position: int
    text: str = ""


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()" or _negation_at(expression, i):
            token, i = _Token(ch, i), i + 1
        elif ch == '"':
            token, i = _phrase(expression, i)
        else:
            token, i = _word(expression, i)
        tokens.append(token)
    tokens.append(_Token("END", n))
    return tokens


def _negation_at(expression: str, i: int) -> bool:
    """A ``-`` right before a term or group negates it (``-refund``); any other is read as a word."""
    following = expression[i + 1:i + 2]
    return expression[i] == "-" and following != "" and not following.isspace() and following != ")"


def _phrase(expression: str, start: int) -> tuple[_Token, int]:
    """The quoted phrase opening at `start` (a backslash escapes a quote or itself) and the index after
    its closing quote."""
    i, n = start + 1, len(expression)
    chars: list[str] = []
    while i < n and expression[i] != '"':
        if expression[i] == "\\" and i + 1 < n and expression[i + 1] in '"\\':
            i += 1
        chars.append(expression[i])
        i += 1
    if i >= n:
        raise QuerySyntaxError("unterminated quote", expression, start)
    phrase = "".join(chars)
    if not fold(phrase):
        raise QuerySyntaxError("empty phrase", expression, start)
    return _Token("TERM", start, phrase), i + 1


def _word(expression: str, start: int) -> tuple[_Token, int]:
    """The keyword or bare term starting at `start` and the index after it."""
    i, n = start, len(expression)
    while i < n and not expression[i].isspace() and expression[i] not in _SPECIAL:
        i += 1
    word = expression[start:i]
    if word in _KEYWORDS:
        return _Token(word, start), i
    if not fold(word):
        raise QuerySyntaxError("a term with no letters", expression, start)
    return _Token("TERM", start, word), i


#: Deeper nesting of parentheses and NOTs is refused: no real query needs it, and the recursive
#: parser, matcher and compilers must never run out of stack on hostile input.
MAX_NESTING = 50


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.index = 0
        self.depth = 0

    def nested(self, token: _Token, parse: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail(f"nested more than {MAX_NESTING} levels deep", token)
        try:
            return parse()
        finally:
            self.depth -= 1

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> QuerySyntaxError:
        token = token or self.peek()
        return QuerySyntaxError(message, self.expression, token.position)

    def parse(self) -> Node:
        if self.peek().kind == "END":
            raise self.fail("empty expression")
        node = self.parse_or()
        token = self.peek()
        if token.kind == ")":
            raise self.fail("unbalanced ')'", token)
        if token.kind != "END":
            raise self.fail(f"unexpected {token.kind}", token)
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek().kind == "OR":
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_not()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
                items.append(self.parse_not())
            elif kind in {"TERM", "(", "NOT", "-"}:
                items.append(self.parse_not())
            else:
                break
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Node:
        if self.peek().kind in {"NOT", "-"}:
            token = self.take()
            return Not(self.nested(token, self.parse_not))
        return self.parse_atom()

    def parse_atom(self) -> Node:
        token = self.take()
        if token.kind == "TERM":
            return Term(token.text)
        if token.kind == "(":
            if self.peek().kind == ")":
                raise self.fail("empty parentheses")
            node = self.nested(token, self.parse_or)
            if self.peek().kind != ")":
                raise self.fail("unclosed '('", token)
            self.take()
            return node
        if token.kind == "END":
            raise self.fail("expected a term at the end of the expression", token)
        if token.kind == ")":
            raise self.fail("unbalanced ')'", token)
        raise self.fail(f"expected a term before {token.kind}", token)


def parse(expression: str) -> Node:
    """Parse a boolean query; raises `QuerySyntaxError` (with `.position`) on bad input."""
    return _Parser(expression).parse()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plain_word(text: str) -> bool:
    return (bool(text) and text not in _KEYWORDS and not text.startswith("-")
            and not any(ch.isspace() or ch in _SPECIAL or ch == "\\" for ch in text))


def format_query(node: Node) -> str:
    """Our own syntax for `node`; `parse(format_query(node))` means the same as `node`."""

    def fmt(item: Node, parent: str) -> str:
        if isinstance(item, Term):
            return item.text if _plain_word(item.text) else _quote(item.text)
        if isinstance(item, Not):
            return "NOT " + fmt(item.item, "NOT")
        if not item.items:
            raise QueryNotSupported("query", "cannot write an always-true or always-false query")
        if isinstance(item, And):
            text = " AND ".join(fmt(child, "AND") for child in item.items)
            return f"({text})" if parent == "NOT" and len(item.items) > 1 else text
        text = " OR ".join(fmt(child, "OR") for child in item.items)
        return f"({text})" if parent in {"AND", "NOT"} and len(item.items) > 1 else text

    return fmt(node, "")


# --------------------------------------------------------------------------------------------------
# BrandQuery
# --------------------------------------------------------------------------------------------------


def _tuple(value: Sequence[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _prefixed(values: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    return tuple(value if value.startswith(prefix) else prefix + value for value in values)


def _terms(values: Iterable[str], what: str) -> list[Node]:
    nodes: list[Node] = []
    for value in values:
        term = Term(value)
        if not term.folded.strip("#@"):
            raise ValueError(f"empty {what} in the brand query: {value!r}")
        nodes.append(term)
    return nodes


@dataclass(frozen=True, slots=True)
class BrandQuery:
    """Everything a listener needs to know about what a brand's mentions look like.

    `expression` is an optional boolean query (AND, OR, NOT, parentheses, quoted phrases) that
    narrows the match beyond the plain term lists. Hashtags and handles may be given with or without
    their ``#``/``@``. Lists may be given as any sequence; they are stored as tuples.
    """

    brand: str
    terms: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    expression: str | None = None
    include_reposts: bool = False
    name: str = field(default="default")
    #: The brand's own accounts on the source this query is for (handles, without ``@``): listeners
    #: also read these accounts' replies, keep them whatever the filter says, and mark them
    #: `Mention.from_brand`. They are not search terms.
    accounts: tuple[str, ...] = ()
    _tree: Node = field(default=TRUE, init=False, repr=False, compare=False, hash=False)
    _base: Node = field(default=TRUE, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        for name in ("terms", "aliases", "exclusions"):
            setattr_(self, name, tuple(" ".join(v.split()) for v in _tuple(getattr(self, name))))
        setattr_(self, "handles", _prefixed(tuple(v.strip() for v in _tuple(self.handles)), "@"))
        setattr_(self, "hashtags", _prefixed(tuple(v.strip() for v in _tuple(self.hashtags)), "#"))
        setattr_(self, "languages", tuple(v.strip().lower() for v in _tuple(self.languages) if v.strip()))
        setattr_(self, "accounts", tuple(v.strip().lstrip("@") for v in _tuple(self.accounts) if v.strip().lstrip("@")))
        if self.expression is not None and not self.expression.strip():
            setattr_(self, "expression", None)

        base_terms = (_terms(self.terms, "term") + _terms(self.aliases, "alias")
                      + _terms(self.hashtags, "hashtag") + _terms(self.handles, "handle"))
        expression = parse(self.expression) if self.expression else None
        if not base_terms and expression is None:
            base_terms = _terms([self.brand], "brand name")
        base = _or(base_terms) if base_terms else TRUE
        parts = [base]
        if expression is not None:
            parts.append(expression)
        if self.exclusions:
            parts.append(_not(_or(_terms(self.exclusions, "exclusion"))))
        setattr_(self, "_base", base)
        setattr_(self, "_tree", _and(parts))

    # -- the client-side filter -------------------------------------------------------------------

    @property
    def tree(self) -> Node:
        """The whole query as one syntax tree (base terms, expression and exclusions)."""
        return self._tree

    def language_ok(self, language: str | None) -> bool:
        if not self.languages or not language:
            return True
        language = language.strip().lower().replace("_", "-")
        return any(language == want or language.startswith(want + "-") for want in self.languages)

    def matches(self, text: str | None, language: str | None = None) -> bool:
        """The client-side filter: does `text` (in `language`, when known) mention the brand?"""
        if not text or not self.language_ok(language):
            return False
        return evaluate(self._tree, fold(text))

    def is_account(self, handle: str | None) -> bool:
        """Whether `handle` is one of the brand's own accounts (without ``@``, ignoring case)."""
        if not handle:
            return False
        return handle.lstrip("@").casefold() in {account.casefold() for account in self.accounts}

    def matched_terms(self, text: str) -> list[str]:
        """The base terms (terms, aliases, handles, hashtags) found in `text`, for explanations."""
        folded = fold(text)
        items = self._base.items if isinstance(self._base, Or) else (self._base,)
        return [item.text for item in items if isinstance(item, Term) and term_in(item.folded, folded)]

    @property
    def matched_query(self) -> str:
        """The query in canonical text; listeners store it in `Mention.matched_query`."""
        return format_query(self._tree)


# --------------------------------------------------------------------------------------------------
# Compilers
# --------------------------------------------------------------------------------------------------


def _nnf(node: Node, negate: bool = False) -> Node:
    """Negation normal form: NOT only directly above terms."""
    if isinstance(node, Term):
        return _not(node) if negate else node
    if isinstance(node, Not):
        return _nnf(node.item, not negate)
    if isinstance(node, And):
        parts = [_nnf(item, negate) for item in node.items]
        return _or(parts) if negate else _and(parts)
    parts = [_nnf(item, negate) for item in node.items]
    return _and(parts) if negate else _or(parts)


def _has_positive(node: Node) -> bool:
    """Every way to satisfy `node` (in NNF) needs at least one positive term."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(item) for item in node.items)
    return bool(node.items) and all(_has_positive(item) for item in node.items)


def _widen_lonely_negations(node: Node) -> Node:
    """Drop negations that are not ANDed with something positive (search engines reject those)."""
    if isinstance(node, Not):
        return TRUE
    if isinstance(node, Term):
        return node
    if isinstance(node, Or):
        return _or(_widen_lonely_negations(item) for item in node.items)
    positives = [item for item in node.items if not isinstance(item, Not)]
    if not positives:
        return TRUE
    return _and([_widen_lonely_negations(item) for item in positives]
                + [item for item in node.items if isinstance(item, Not)])


def _check(source: str, max_length: int | None, text: str) -> str:
    if max_length is not None and len(text) > max_length:
        raise QueryNotSupported(source, f"the compiled query is {len(text)} characters, over the limit of "
                                        f"{max_length}; shorten the brand's term lists")
    return text


def _require_positive(source: str, node: Node) -> None:
    if node == TRUE or not _has_positive(node):
        raise QueryNotSupported(source, "the query needs at least one term that must be present")


def _print(node: Node, *, term: Callable[[Term], str], and_sep: str, or_sep: str, not_prefix: str,
           group_not: bool) -> str:
    def fmt(item: Node, parent: str) -> str:
        if isinstance(item, Term):
            return term(item)
        if isinstance(item, Not):
            inner = item.item
            if isinstance(inner, Term):
                return not_prefix + term(inner)
            if not group_not:
                raise QueryNotSupported("query", "negated group in a dialect without them")
            return not_prefix + "(" + fmt(inner, "") + ")"
        if isinstance(item, And):
            text = and_sep.join(fmt(child, "AND") for child in item.items)
            return f"({text})" if parent == "NOT" and len(item.items) > 1 else text
        text = or_sep.join(fmt(child, "OR") for child in item.items)
        return f"({text})" if parent in {"AND", "NOT"} and len(item.items) > 1 else text

    return fmt(node, "")


def _search_term(term: Term, *, plain: Callable[[str], bool], hashtags: bool = True,
                 handles: bool = True) -> str:
    """A term as a search engine token: bare when safe, else a quoted phrase (quotes become spaces,
    which widens the match on engines that tokenize on punctuation)."""
    text = term.text
    kind = term.kind
    tag_like = (kind == "hashtag" and hashtags) or (kind == "handle" and handles)
    if (tag_like and all(ch.isalnum() or ch == "_" for ch in text[1:])) or plain(text):
        return text
    inner = " ".join(text.replace('"', " ").split())
    return f'"{inner}"'


def _x_plain(text: str) -> bool:
    return (text.upper() not in _KEYWORDS and not text.startswith(("-", "#", "@", "$"))
            and all(ch.isalnum() or ch in "_'." for ch in text) and ":" not in text)


def to_x(query: BrandQuery, *, max_length: int | None = 512, retweets: bool | None = None) -> str:
    """X API v2 search / filtered-stream rule syntax: implicit AND, ``OR``, ``-``, quotes,
    parentheses, ``#tag``, ``@handle``, plus ``-is:retweet`` and ``lang:``. A negation that is not
    next to a positive term (X rejects those) is widened away."""
    tree = _widen_lonely_negations(_nnf(query.tree))
    _require_positive("x", tree)
    text = _print(tree, term=lambda t: _search_term(t, plain=_x_plain), and_sep=" ", or_sep=" OR ",
                  not_prefix="-", group_not=True)
    if isinstance(tree, Or):
        text = f"({text})"
    include_reposts = query.include_reposts if retweets is None else retweets
    if not include_reposts:
        text += " -is:retweet"
    if len(query.languages) == 1:
        text += f" lang:{query.languages[0].split('-')[0]}"
    elif query.languages:
        text += " (" + " OR ".join(f"lang:{lang.split('-')[0]}" for lang in query.languages) + ")"
    return _check("x", max_length, text)


def _lucene_plain(text: str) -> bool:
    return (text.upper() not in _KEYWORDS
            and all(ch.isalnum() or ch in "_'.#@" for ch in text) and not text.startswith(("#", "@")))


def to_reddit(query: BrandQuery, *, max_length: int | None = 512) -> str:
    """Reddit search (Lucene syntax): ``AND``, ``OR``, ``NOT`` (only next to something positive),
    quotes, parentheses."""
    tree = _widen_lonely_negations(_nnf(query.tree))
    _require_positive("reddit", tree)
    text = _print(tree, term=lambda t: _search_term(t, plain=_lucene_plain, hashtags=False, handles=False),
                  and_sep=" AND ", or_sep=" OR ", not_prefix="NOT ", group_not=False)
    return _check("reddit", max_length, text)


def _simple_plain(text: str) -> bool:
    return all(ch.isalnum() or ch in "_'.#@" for ch in text) and not text.startswith("@")


def to_bluesky(query: BrandQuery, *, max_length: int | None = 512) -> str:
    """Bluesky `searchPosts` (the search service reads OpenSearch *simple query string*): whitespace
    is AND, ``|`` is OR, ``-`` negates (terms and groups), quotes, parentheses."""
    tree = _widen_lonely_negations(_nnf(query.tree))
    _require_positive("bluesky", tree)
    text = _print(tree, term=lambda t: _search_term(t, plain=_simple_plain, handles=False),
                  and_sep=" ", or_sep=" | ", not_prefix="-", group_not=True)
    return _check("bluesky", max_length, text)


def to_web(query: BrandQuery, *, max_length: int | None = None) -> str:
    """Web/news search syntax (Google News RSS and the like): implicit AND, ``OR``, ``-``, quotes,
    parentheses. Negated groups are widened away."""
    tree = _widen_lonely_negations(_nnf(query.tree))
    _require_positive("web", tree)
    text = _print(tree, term=lambda t: _search_term(t, plain=_x_plain), and_sep=" ", or_sep=" OR ",
                  not_prefix="-", group_not=False)
    return _check("web", max_length, text)


def _dnf(node: Node, limit: int) -> list[tuple[list[Term], list[Term]]]:
    """Disjunctive normal form of an NNF tree: a list of (positive terms, negated terms)."""
    if isinstance(node, Term):
        return [([node], [])]
    if isinstance(node, Not):
        assert isinstance(node.item, Term)
        return [([], [node.item])]
    if isinstance(node, Or):
        out: list[tuple[list[Term], list[Term]]] = []
        for item in node.items:
            out.extend(_dnf(item, limit))
            if len(out) > limit:
                raise QueryNotSupported("query", f"the query expands to more than {limit} searches")
        return out
    result: list[tuple[list[Term], list[Term]]] = [([], [])]
    for item in node.items:
        result = [(pos + p2, neg + n2) for pos, neg in result for p2, n2 in _dnf(item, limit)]
        if len(result) > limit:
            raise QueryNotSupported("query", f"the query expands to more than {limit} searches")
    return result


@dataclass(frozen=True, slots=True)
class AlgoliaQuery:
    """One Algolia search: every word/phrase in `query` must appear; `-word` excludes."""

    query: str
    positives: tuple[Term, ...]
    negatives: tuple[Term, ...]


def _algolia_word(text: str) -> bool:
    return all(ch.isalnum() or ch in "_'" for ch in text)


def to_algolia(query: BrandQuery, *, max_queries: int = 8) -> list[AlgoliaQuery]:
    """Hacker News' Algolia search has no OR: one search per alternative (DNF), each with its
    required words/phrases (advanced syntax quotes) and ``-word`` exclusions. Negated phrases cannot
    be written and are left to the client-side filter."""
    tree = _nnf(query.tree)
    _require_positive("hackernews", tree)
    try:
        conjuncts = _dnf(tree, max_queries)
    except QueryNotSupported as exc:
        raise QueryNotSupported("hackernews", exc.detail) from None
    queries: list[AlgoliaQuery] = []
    seen: set[str] = set()
    for positives, negatives in conjuncts:
        if not positives:
            raise QueryNotSupported("hackernews", "an alternative of the query has no required term")
        pos = tuple(dict.fromkeys(positives))
        # only plain words can be excluded exactly ("-acme" would also drop "#acme" and "@acme")
        neg = tuple(t for t in dict.fromkeys(negatives) if _algolia_word(t.text))
        words = []
        for term in pos:
            text = " ".join(term.text.lstrip("#@").replace('"', " ").split())
            words.append(text if _algolia_word(text) else f'"{text}"')
        words += [f"-{t.text}" for t in neg]
        text = " ".join(words)
        if text not in seen:
            seen.add(text)
            queries.append(AlgoliaQuery(text, pos, neg))
    return queries


def to_mastodon(query: BrandQuery, *, max_queries: int = 8) -> list[str]:
    """Mastodon full-text search has no boolean syntax worth relying on: one plain search per
    alternative, positive words only (the client-side filter applies the rest)."""
    tree = _nnf(query.tree)
    _require_positive("mastodon", tree)
    try:
        conjuncts = _dnf(tree, max_queries)
    except QueryNotSupported as exc:
        raise QueryNotSupported("mastodon", exc.detail) from None
    out: list[str] = []
    for positives, _negatives in conjuncts:
        if not positives:
            raise QueryNotSupported("mastodon", "an alternative of the query has no required term")
        words = []
        for term in dict.fromkeys(positives):
            text = " ".join(term.text.replace('"', " ").split())
            words.append(f'"{text}"' if " " in text else text)
        text = " ".join(words)
        if text not in out:
            out.append(text)
    return out
