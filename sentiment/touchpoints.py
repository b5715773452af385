"""Touchpoint and journey-stage tags for social posts: which part of the customer experience a post
is about (delivery, price, the app...) and where along the journey its author stands (considering,
buying, using, asking for help...).

Embeddings in, labels out. Each label of a taxonomy is described by a few short phrases in several
languages; a post's label is the one whose description embeddings it is closest to (zero-shot, on
multilingual E5, whose spaces align across languages). Labelled examples (the config's few-shot
examples) pull each label's prototype towards what real posts with that label look like.

    >>> classifier = TagClassifier(sentiment.embed, examples=[TagExample("parcel lost again", "delivery", "support")])
    >>> classifier.tag(["¿Dónde está mi pedido? Llevo dos semanas esperando"])[0].touchpoint
    'delivery'

Measured on `tests/fixtures/cx/` by `python -m benchmarks cx_tags`. Imports nothing else of ours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .records import Tags

#: Texts in, (n, d) L2-normalised embeddings out: `sentiment.embed` or a scorer's `embed`.
Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class TagLabel:
    """One touchpoint or stage: its name and phrases that describe it (any language, several is best)."""

    name: str
    descriptions: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.name or not self.descriptions:
            raise ValueError(f"label {self.name!r} needs a name and at least one description")


@dataclass(frozen=True, slots=True)
class Taxonomy:
    touchpoints: tuple[TagLabel, ...]
    stages: tuple[TagLabel, ...]

    def __post_init__(self) -> None:
        for axis, labels in (("touchpoints", self.touchpoints), ("stages", self.stages)):
            names = [label.name for label in labels]
            if len(names) < 2 or len(set(names)) != len(names):
                raise ValueError(f"{axis} need at least two labels with distinct names (got {names})")

    @classmethod
    def from_mapping(cls, touchpoints: Mapping[str, Iterable[str]], stages: Mapping[str, Iterable[str]]) -> Taxonomy:
        """From `{name: [description, ...]}` mappings, as a config file writes them."""
        return cls(tuple(TagLabel(name, tuple(texts)) for name, texts in touchpoints.items()),
                   tuple(TagLabel(name, tuple(texts)) for name, texts in stages.items()))


@dataclass(frozen=True, slots=True)
class TagExample:
    """A labelled post; either label may be left out (an example of a touchpoint only)."""

    text: str
    touchpoint: str | None = None
    stage: str | None = None


def _phrases(**by_language: str) -> tuple[str, ...]:
    return tuple(by_language.values())


#: The default: the touchpoints and journey stages customer-experience teams map, each described
#: in English, Spanish, French, German, Portuguese and Italian.
DEFAULT_TAXONOMY = Taxonomy(
    touchpoints=(
        TagLabel("product_quality", _phrases(
            en="the product itself: quality, defects, it broke, stopped working, durability, how well it performs",
            es="el producto en sí: calidad, defectos, se rompió, dejó de funcionar, durabilidad",
            fr="le produit lui-même : qualité, défaut, cassé, ne marche plus, solidité",
            de="das Produkt selbst: Qualität, Mängel, kaputt, funktioniert nicht mehr, Haltbarkeit",
            pt="o produto em si: qualidade, defeito, quebrou, parou de funcionar, durabilidade",
            it="il prodotto in sé: qualità, difetti, si è rotto, non funziona più, durata")),
        TagLabel("delivery", _phrases(
            en="delivery and shipping: parcel late, lost package, courier, tracking, order not arrived",
            es="envío y entrega: paquete retrasado, pedido perdido, mensajero, seguimiento, no ha llegado",
            fr="livraison : colis en retard, colis perdu, livreur, suivi, commande pas arrivée",
            de="Lieferung und Versand: Paket verspätet, verloren, Paketbote, Sendungsverfolgung, nicht angekommen",
            pt="entrega e envio: encomenda atrasada, pacote perdido, transportadora, rastreio, não chegou",
            it="consegna e spedizione: pacco in ritardo, perso, corriere, tracciamento, ordine non arrivato")),
        TagLabel("price", _phrases(
            en="price and cost: too expensive, cheap, discount, price increase, value for money, fees",
            es="precio y coste: demasiado caro, barato, descuento, subida de precio, relación calidad-precio",
            fr="prix et coût : trop cher, pas cher, promo, hausse des prix, rapport qualité-prix, frais",
            de="Preis und Kosten: zu teuer, günstig, Rabatt, Preiserhöhung, Preis-Leistung, Gebühren",
            pt="preço e custo: muito caro, barato, desconto, aumento de preço, custo-benefício, taxas",
            it="prezzo e costo: troppo caro, economico, sconto, aumento dei prezzi, rapporto qualità-prezzo")),
        TagLabel("customer_service", _phrases(
            en="customer service: support agents, hotline, chat, nobody answers my emails, helpful staff",
            es="atención al cliente: agentes, teléfono, chat, nadie responde, personal amable",
            fr="service client : conseillers, hotline, chat, personne ne répond, personnel aimable",
            de="Kundenservice: Mitarbeiter, Hotline, Chat, niemand antwortet, freundlicher Support",
            pt="atendimento ao cliente: atendentes, SAC, chat, ninguém responde, atendimento simpático",
            it="servizio clienti: operatori, call center, chat, nessuno risponde, assistenza gentile")),
        TagLabel("website_app", _phrases(
            en="the website or mobile app: login, checkout error, app crashes, bug, account, update",
            es="la web o la app: iniciar sesión, error al pagar, la app se cierra, fallo, cuenta, actualización",
            fr="le site ou l'appli : connexion, bug au paiement, l'appli plante, compte, mise à jour",
            de="Website oder App: Login, Fehler beim Bezahlen, App stürzt ab, Bug, Konto, Update",
            pt="o site ou o aplicativo: login, erro no pagamento, app trava, bug, conta, atualização",
            it="il sito o l'app: accesso, errore nel pagamento, l'app si blocca, bug, account, aggiornamento")),
        TagLabel("returns_refunds", _phrases(
            en="returns and refunds: send it back, return label, money back, refund not received, exchange",
            es="devoluciones y reembolsos: devolver, etiqueta de devolución, reembolso, cambio",
            fr="retours et remboursements : renvoyer, étiquette retour, remboursement pas reçu, échange",
            de="Rücksendung und Erstattung: zurückschicken, Retourenschein, Geld zurück, Umtausch",
            pt="devoluções e reembolsos: devolver, etiqueta de devolução, estorno, dinheiro de volta, troca",
            it="resi e rimborsi: restituire, etichetta di reso, rimborso non ricevuto, cambio")),
        TagLabel("brand_reputation", _phrases(
            en="the brand and company as a whole: ads, news, ethics, values, scandal, sustainability, CEO",
            es="la marca y la empresa: publicidad, noticias, ética, valores, escándalo, sostenibilidad",
            fr="la marque et l'entreprise : pub, actualité, éthique, valeurs, scandale, écologie",
            de="die Marke und das Unternehmen: Werbung, Nachrichten, Ethik, Werte, Skandal, Nachhaltigkeit",
            pt="a marca e a empresa: propaganda, notícias, ética, valores, escândalo, sustentabilidade",
            it="il marchio e l'azienda: pubblicità, notizie, etica, valori, scandalo, sostenibilità")),
    ),
    stages=(
        TagLabel("awareness", _phrases(
            en="just heard of the brand, saw an ad or the news, first impression, never tried it",
            es="acabo de conocer la marca, vi un anuncio o una noticia, primera impresión",
            fr="je découvre la marque, vu une pub ou un article, première impression",
            de="gerade von der Marke gehört, Werbung oder Nachricht gesehen, erster Eindruck",
            pt="acabei de conhecer a marca, vi um anúncio ou notícia, primeira impressão",
            it="ho appena scoperto il marchio, visto una pubblicità o una notizia, prima impressione")),
        TagLabel("consideration", _phrases(
            en="before buying: thinking about buying one, comparing models, does anyone know, should I buy it?",
            es="antes de comprar: pienso comprar uno, comparo modelos, ¿alguien sabe?, ¿lo compro?",
            fr="avant d'acheter : je pense en acheter un, je compare les modèles, quelqu'un sait ? je l'achète ?",
            de="vor dem Kauf: überlege einen zu kaufen, vergleiche Modelle, weiß jemand, soll ich ihn kaufen?",
            pt="antes de comprar: pensando em comprar um, comparando modelos, alguém sabe? compro ou não?",
            it="prima di comprare: penso di prenderne uno, confronto i modelli, qualcuno sa? lo compro?")),
        TagLabel("purchase", _phrases(
            en="buying and getting my order: ordered, paid at checkout, charged, promo code, tracking, "
               "my order has not arrived yet",
            es="comprar y recibir mi pedido: pedí, pagué, me cobraron, código de descuento, seguimiento, "
               "mi pedido aún no ha llegado",
            fr="acheter et recevoir ma commande : commandé, payé, débité, code promo, suivi, "
               "ma commande n'est pas encore arrivée",
            de="kaufen und meine Bestellung bekommen: bestellt, bezahlt, abgebucht, Rabattcode, Sendungsverfolgung, "
               "meine Bestellung ist noch nicht da",
            pt="comprar e receber meu pedido: pedi, paguei, cobraram, cupom, rastreio, meu pedido ainda não chegou",
            it="comprare e ricevere il mio ordine: ordinato, pagato, addebitato, codice sconto, tracciamento, "
               "il mio ordine non è ancora arrivato")),
        TagLabel("use", _phrases(
            en="using what I bought: after a few weeks of use, day to day experience, how it works",
            es="usando lo que compré: después de unas semanas de uso, en el día a día",
            fr="à l'usage : après quelques semaines d'utilisation, au quotidien",
            de="in der Nutzung: nach ein paar Wochen im Gebrauch, im Alltag",
            pt="usando o que comprei: depois de algumas semanas de uso, no dia a dia",
            it="nell'uso: dopo qualche settimana di utilizzo, nella vita di tutti i giorni")),
        TagLabel("support", _phrases(
            en="asking for help with a problem: complaint, contacted support, ticket, waiting for an answer",
            es="pidiendo ayuda con un problema: reclamación, contacté con soporte, incidencia, sin respuesta",
            fr="demande d'aide pour un problème : réclamation, contacté le SAV, ticket, toujours sans réponse",
            de="Hilfe bei einem Problem: Reklamation, Support kontaktiert, Ticket, warte auf Antwort",
            pt="pedindo ajuda com um problema: reclamação, contatei o suporte, protocolo, sem resposta",
            it="chiedo aiuto per un problema: reclamo, contattato l'assistenza, ticket, nessuna risposta")),
        TagLabel("loyalty", _phrases(
            en="staying or leaving: customer for years, I recommend them to friends, never buying again, "
               "switching to another brand, boycott",
            es="quedarse o irse: cliente desde hace años, lo recomiendo, no vuelvo a comprar, me cambio de marca, "
               "boicot",
            fr="rester ou partir : client depuis des années, je recommande, plus jamais, je change de marque, boycott",
            de="bleiben oder gehen: seit Jahren Kunde, ich empfehle sie weiter, nie wieder, ich wechsle die Marke, "
               "Boykott",
            pt="ficar ou sair: cliente há anos, recomendo, nunca mais compro, vou trocar de marca, boicote",
            it="restare o andarsene: cliente da anni, lo consiglio, mai più, cambio marca, boicottaggio")),
    ),
)


@dataclass(frozen=True, slots=True)
class _Axis:
    names: tuple[str, ...]
    prototypes: np.ndarray  # (labels, d), L2-normalised


@dataclass
class TagClassifier:
    """Nearest prototype per axis. A label's prototype is the mean of its description embeddings,
    blended with the mean of its examples' embeddings (`example_weight`) when it has examples.
    Embeddings are centred on the mean of all description embeddings first: E5's vectors share a
    large common direction that otherwise dominates every cosine.
    """

    embed: Embed
    taxonomy: Taxonomy = DEFAULT_TAXONOMY
    examples: Sequence[TagExample] = ()
    example_weight: float = 0.6
    temperature: float = 0.02
    _axes: tuple[_Axis, _Axis] | None = field(default=None, init=False, repr=False)
    _centre: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.example_weight <= 1.0:
            raise ValueError("example_weight lies in [0, 1]")
        known = {"touchpoint": {label.name for label in self.taxonomy.touchpoints},
                 "stage": {label.name for label in self.taxonomy.stages}}
        for example in self.examples:
            for axis in ("touchpoint", "stage"):
                value = getattr(example, axis)
                if value is not None and value not in known[axis]:
                    raise ValueError(f"example {example.text[:40]!r}: unknown {axis} {value!r} "
                                     f"(known: {', '.join(sorted(known[axis]))})")

    @property
    def identity(self) -> str:
        """A digest of the taxonomy, the examples and the settings: stored with tags, so tags made by
        another setup can be told apart."""
        document = json.dumps([[[label.name, label.descriptions] for label in self.taxonomy.touchpoints],
                               [[label.name, label.descriptions] for label in self.taxonomy.stages],
                               [[e.text, e.touchpoint, e.stage] for e in self.examples],
                               self.example_weight, self.temperature], ensure_ascii=False)
        return "cx-tags@" + hashlib.sha256(document.encode()).hexdigest()[:12]

    def tag(self, texts: Sequence[str]) -> list[Tags]:
        if not texts:
            return []
        return self.tag_embeddings(self.embed(list(texts)))

    def tag_embeddings(self, vectors: np.ndarray) -> list[Tags]:
        """Tags for embeddings made by this classifier's `embed` (saves embedding the texts twice)."""
        touchpoints, stages = self._prepared()
        vectors = self._centred(np.asarray(vectors, dtype=np.float32))
        tp_names, tp_confidence = _nearest(touchpoints, vectors, self.temperature)
        st_names, st_confidence = _nearest(stages, vectors, self.temperature)
        return [Tags(tp, st, round(tc, 4), round(sc, 4))
                for tp, st, tc, sc in zip(tp_names, st_names, tp_confidence, st_confidence, strict=True)]

    # ------------------------------------------------------------------ internals
    def _centred(self, vectors: np.ndarray) -> np.ndarray:
        if vectors.ndim != 2:
            raise ValueError(f"embeddings must be a (texts, dimensions) matrix, not {vectors.shape}")
        return _normalised(vectors - self._centre)

    def _prepared(self) -> tuple[_Axis, _Axis]:
        if self._axes is None:
            axes = (("touchpoint", self.taxonomy.touchpoints), ("stage", self.taxonomy.stages))
            phrases = [text for _, labels in axes for label in labels for text in label.descriptions]
            vectors = np.asarray(self.embed(phrases + [e.text for e in self.examples]), dtype=np.float32)
            self._centre = vectors[:len(phrases)].mean(axis=0)
            vectors = self._centred(vectors)
            described, shown = iter(vectors[:len(phrases)]), vectors[len(phrases):]
            built = []
            for axis, labels in axes:
                prototypes = []
                for label in labels:
                    prototype = _mean_direction(np.stack([next(described) for _ in label.descriptions]))
                    rows = [i for i, example in enumerate(self.examples) if getattr(example, axis) == label.name]
                    if rows and self.example_weight > 0:
                        prototype = ((1 - self.example_weight) * prototype
                                     + self.example_weight * _mean_direction(shown[rows]))
                    prototypes.append(prototype)
                built.append(_Axis(tuple(label.name for label in labels), _normalised(np.stack(prototypes))))
            self._axes = (built[0], built[1])
        return self._axes


def _mean_direction(vectors: np.ndarray) -> np.ndarray:
    mean: np.ndarray = _normalised(vectors.mean(axis=0, keepdims=True))[0]
    return mean


def _normalised(vectors: np.ndarray) -> np.ndarray:
    unit: np.ndarray = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return unit


def _nearest(axis: _Axis, vectors: np.ndarray, temperature: float) -> tuple[list[str], list[float]]:
    similarity = vectors @ axis.prototypes.T
    logits = (similarity - similarity.max(axis=1, keepdims=True)) / temperature
    weights = np.exp(logits)
    confidence = weights.max(axis=1) / weights.sum(axis=1)
    return [axis.names[i] for i in similarity.argmax(axis=1)], confidence.tolist()
