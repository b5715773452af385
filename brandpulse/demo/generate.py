"""The demo's recorded stream: 14 days of brand mentions, seeded and reproducible.

`brandpulse demo` replays this stream in simulated time through the real jobs (collect, score,
evaluate, notify). Three invented brands:

* **Lumora**: consumer audio (Lumora Halo earbuds). On day 10 a charging-case defect goes viral:
  cases overheat and swell. That complaint storm must fire an alert.
* **Brevio**: coffee machines, a second brand of ours. Calm on every day.
* **Vexon**: Lumora's competitor (earbuds). Normal on every day; a few relieved "glad I bought Vexon"
  posts during the storm, all positive.

Regenerate the shipped file (byte for byte)::

    python -m brandpulse.demo.generate --seed 7 --out brandpulse/demo/data/stream.jsonl.gz \\
        --readme brandpulse/demo/data/README.md

Each line is one JSON object with the fields of `listeners.records.Mention` (no `fetched_at` or
`matched_query`: the replay listener sets those) and a `raw` dict that records what the generator
meant: `demo_intent` (negative, neutral, positive), `demo_topic`, `demo_lang` (the text's real
language, also where `language` is null), `demo_kind` (post, reply, comment, repost, story,
article) and `demo_phase` (normal, precursor, storm, storm_relief, aftermath). The pipeline ignores
`raw` and scores the text with the model; tests and the demo summary can use it without a model.

Only the standard library is used, and randomness only through `random.Random.random()`, so the
output does not depend on library versions.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 7
DAYS = 14
#: Day 1 of the stream, a Monday. The demo shifts the whole stream in simulated time.
START = datetime(2026, 3, 2, tzinfo=UTC)
#: The storm starts on day 10 (1-based; 2026-03-11, a Wednesday) at 14:00 UTC, ramps up for six
#: hours, peaks 20:00-21:00 UTC, decays, and is over 30 hours after it began.
STORM_DAY = 10
STORM_START = START + timedelta(days=STORM_DAY - 1, hours=14)
STORM_PEAK = STORM_START + timedelta(hours=6)
STORM_HOURS = 30
STORM_END = STORM_START + timedelta(hours=STORM_HOURS)
STORM_BRAND = "Lumora"
STORM_PRODUCT = "Lumora Halo"

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED = DATA_DIR / "stream.jsonl.gz"
SOURCES = ("x", "reddit", "bluesky", "mastodon", "hackernews", "rss")
LANGS = ("en", "es", "de", "fr", "pl", "it", "pt", "zh", "ja")
FIELDS = ("source", "external_id", "url", "author_id", "author_handle", "author_reach", "text", "language",
          "created_at", "brand", "engagement", "thread_id", "parent_id", "raw")

# --------------------------------------------------------------------------------------------------
# Texts. Slots: {p} product, {p2} another product of the same brand, {b} brand, {shop}, {price} (the
# product's price in local currency), {n} days, {w} weeks, {hrs} hours of battery, {wait} hours of
# waiting, {fw} firmware version, {site} the brand's (fictional) web site, {city}, {user} the handle
# replied to. Cores have no final full stop; `_join` adds one where another sentence follows.
# --------------------------------------------------------------------------------------------------

EN: dict[str, Any] = {
    "open": {
        "pos": ["Honestly,", "Not gonna lie,", "Quick review:", "Wow.", "Ok I'm impressed:", "Small win today:",
                "Week {w} update:", "Hot take:"],
        "neg": ["Ugh.", "Welp.", "Unbelievable.", "Seriously,", "Rant incoming:", "Great.", "Cool cool cool.",
                "PSA:"],
        "neu": ["Update:", "Hmm.", "Ok so", "FYI:", "Small update:"],
        "q": ["Question:", "Random q:", "Curious:", "Ok so", "Help:"],
    },
    "extra": {
        "pos": ["would buy again", "10/10 recommend", "no regrets", "worth every penny", "very happy so far",
                "didn't expect that tbh", "{b} did good", "best purchase this year",
                "my wallet hurts but my ears are happy",
                "can't go back now"],
        "neg": ["really disappointed", "never again", "not impressed, {b}", "so annoying", "this is not ok",
                "expected better for the price", "sort it out {b}", "what a joke", "last time I buy from them",
                "just fix it please"],
        "neu": ["thoughts?", "will report back", "anyone else?", "curious what you all think", "we'll see",
                "any tips appreciated", "asking for a friend", "will post an update"],
    },
    "audio": {
        "praise": [
            "the {p} are the best earbuds I've owned at this price",
            "noise cancelling on the {p} is genuinely impressive, the train just disappears",
            "battery life on my {p} is silly good, {hrs} hours and still going",
            "finally found earbuds that don't fall out when I run. {p} ftw",
            "{p} + a long-haul flight = bliss",
            "the {p} sound way better than I expected for {price}",
            "call quality on the {p} is great, nobody noticed I was walking next to a busy road",
            "transparency mode on the {p} is so natural I forget I'm wearing them",
            "got the {p} at {shop} for {price} and I'm very happy with them",
            "multipoint on the {p} just works. laptop to phone without touching anything",
            "{b} really nailed the fit this time, the {p} are super comfy even after hours",
            "the {p} case is tiny, fits in the coin pocket of my jeans",
            "the bass on the {p} is punchy without getting muddy",
            "wore my {p} through a whole 10k and they didn't budge once",
            "the {p} make my commute actually enjoyable",
            "firmware update made the {p} even better, ANC is noticeably stronger now",
        ],
        "question": [
            "anyone tried the {p} with an Android phone? is the app ok?",
            "is the {p} worth it over cheaper options? budget is around {price}",
            "does the {p} support LDAC or just AAC?",
            "how do you reset the {p}? the left one won't pair",
            "{p} or {p2}? mostly for the gym and calls",
            "do the {p} ear tips come in XS? mine keep slipping",
            "is there a way to turn off the touch controls on the {p}?",
            "are the {p} ok for swimming or just sweat?",
            "what's the real battery life on the {p} with ANC on?",
            "does {b} do student discounts?",
            "can you use just one {p} bud for calls while the other charges?",
            "anyone know when {b} will put the {p} on sale again?",
        ],
        "neutral": [
            "just ordered the {p}, we'll see",
            "{b} pushed firmware {fw} for the {p} today, changelog mentions better call noise reduction",
            "trying out the {p} this week, first impressions later",
            "{p} is on sale at {shop} again, {price}",
            "switched from wired to the {p} for the commute",
            "the {p} come in a new sage green now",
            "testing the {p} against my old pair on the same playlist tonight",
            "got the {p} as a birthday gift, setting them up now",
            "{b} has a pop-up store in {city} this weekend, might go have a listen to the {p}",
            "my partner stole my {p} so I guess I'm buying another pair",
        ],
        "defect": [
            "left bud of my {p} keeps disconnecting every few minutes",
            "the {b} app keeps crashing on my phone since the last update",
            "one of my {p} died after {w} weeks, just won't charge anymore",
            "ANC on the {p} makes a weird hiss in quiet rooms",
            "the lid on my {p} case already feels loose",
            "mic on the {p} is awful in the wind, people can't hear me at all",
            "touch controls on the {p} are way too sensitive, every time I adjust them the music pauses",
            "the {p} firmware update bricked my right earbud",
            "my {p} randomly play a loud beep and reset. twice today",
            "right {p} bud sits 20% lower on battery than the left, every single day",
        ],
    },
    "coffee": {
        "praise": [
            "the {p} makes better espresso than the café downstairs, not even joking",
            "morning flat white from the {p} hits different",
            "milk frother on the {p} is silky, finally proper latte art at home",
            "{w} weeks with the {p} and I've stopped buying coffee out. paid for itself",
            "the {p} is so quiet compared to my old machine",
            "crema on the {p} is thick and the shots are super consistent",
            "the {p} heats up in like 30 seconds. perfect for rushed mornings",
            "cleaning the {p} takes two minutes. love that",
            "got the {p} at {shop} for {price}, best kitchen purchase in years",
            "guests keep asking where I get my coffee. it's the {p}",
            "the {p} grinder is surprisingly good, dialled in a light roast in three shots",
        ],
        "question": [
            "anyone using the {p} with oat milk? does the frother handle it?",
            "what grind setting do you use on the {p} for a darker roast?",
            "how often do you descale the {p}? the manual is vague",
            "is the {p} worth upgrading to from a capsule machine?",
            "{p} vs {p2}? which one for two people?",
            "does the {p} have a hot water button for americanos?",
            "what beans are you all running through the {p}?",
            "can the {p} do two milk drinks back to back without waiting?",
        ],
        "neutral": [
            "new {p} arrived, first shot pulled",
            "{b} launched a matte black version of the {p}",
            "{p} is on sale at {shop} for {price}",
            "descaling the {p} today, wish me luck",
            "moving the {p} to the office kitchen, let's see how it survives",
            "watched three videos on dialling in the {p}. time to try",
        ],
        "defect": [
            "my {p} started leaking from the bottom after {w} weeks",
            "the {p} keeps showing the descale warning even right after descaling",
            "grinder on my {p} got really loud, sounds like it's chewing gravel",
            "the steam wand on my {p} barely froths anymore",
            "water tank on the {p} cracked. feels cheap for {price}",
            "my {p} shuts off mid-shot at random",
            "the {p} drip tray overflows every other day, sensor doesn't warn me",
        ],
    },
    "delivery": {
        "any": [
            "ordered from the {b} store {n} days ago and tracking still says 'label created'",
            "{b} shipped my order to the wrong address. great start",
            "{n} days for 'express shipping' from {b}. express?",
            "delivery pushed back AGAIN. {b} please just give me a date",
            "my {b} order has been 'out for delivery' for {n} days now",
            "the courier left my {b} parcel in the rain outside the building",
        ],
        "audio": [
            "my {p} order was supposed to arrive Tuesday. it's {n} days late and nobody knows where it is",
            "courier marked my {p} as delivered. they were not delivered",
            "package arrived with the box crushed and the {p} rattling around inside",
        ],
        "coffee": [
            "my {p} was supposed to arrive last week. still nothing, {n} days later",
            "the {p} box arrived completely dented. scared to even open it",
            "{b} sent me the wrong colour of the {p} after a {n} day wait",
        ],
    },
    "price": {
        "any": [
            "{b} raised prices again. hard pass",
            "{price} for the {p}? that's a lot for what it is",
            "bought the {p} for {price}, a week later it's 30% off. love that for me",
            "why is the {p} so much more expensive here than in the US",
            "a subscription for 'premium' features in the {b} app? no thanks",
        ],
        "audio": [
            "{small} for a set of replacement ear tips from {b} is a joke",
            "{p} went up to {price}. they were cheaper at launch",
        ],
        "coffee": [
            "{b} wants {price} for the {p} and the milk jug isn't even included",
            "official {b} descaler costs as much as a bag of good beans",
        ],
    },
    "support": {
        "any": [
            "waited {wait} hours on the {b} support chat for a copy-paste answer",
            "warranty claim with {b} open for {w} weeks now, zero updates",
            "support ticket closed without a reply. thanks {b}",
            "emailed {b} support about a refund {n} days ago. nothing",
            "{b} support hotline just hangs up after 20 minutes on hold",
        ],
        "audio": [
            "{b} support keeps asking me to reset my {p}. I did. {n} times",
            "{b} support told me to 'try another phone' for my {p}. sure",
        ],
        "coffee": [
            "{b} support wants me to ship the whole {p} back at my own cost for a leaking gasket",
            "asked {b} support about a spare part for the {p}. 'not available in your region'",
        ],
    },
    "news": {
        "audio": [
            ("{b} releases firmware {fw} for the {p} with better call quality",
             "The update rolls out through the {b} app over the coming week and also adds a low-latency mode "
             "for gaming.", "neutral"),
            ("{p} review: great sound, average battery",
             "We spent two weeks with {b}'s earbuds. They sound excellent for {price}, but the case is bulky "
             "and the app still needs work.", "neutral"),
            ("{b} opens a flagship store in {city}",
             "The store carries the full {b} lineup and offers same-day repairs, the company said.", "neutral"),
            ("Deal: {p} drops to {price} at {shop}",
             "That's one of the lowest prices we've seen for {b}'s popular earbuds.", "neutral"),
            ("Best earbuds for running: the {p} make our list",
             "Secure fit, sweat resistance and solid battery life earn {b}'s model a spot in our guide.",
             "positive"),
            ("{b} adds LE Audio support to the {p}",
             "Owners with compatible phones can now enable the new codec in the app's settings.", "neutral"),
            ("{p} vs {p2}: which {b} earbuds should you buy?",
             "We compare fit, battery life and noise cancelling across {b}'s current range.", "neutral"),
        ],
        "coffee": [
            ("{p} review: café-quality espresso without the fuss",
             "{b}'s machine is easy to use and consistent, though the milk system takes some getting used to.",
             "positive"),
            ("{b} launches a matte black {p}",
             "The new finish costs the same as the standard model, {price}, and ships from next week.",
             "neutral"),
            ("Deal: {p} down to {price} at {shop}",
             "A rare discount on one of our favourite bean-to-cup machines.", "neutral"),
            ("{b} opens an espresso academy in {city}",
             "Owners of {b} machines can book free barista classes at the new space.", "neutral"),
            ("How to descale your {p} properly",
             "A step-by-step guide, and why the cheaper descaler works just as well as {b}'s own.", "neutral"),
        ],
    },
    "promo": {
        "audio": [
            "Spring sale is live: {p} for {price} on {site}",
            "Firmware {fw} for {p} is rolling out now: better call noise reduction and a new low-latency mode.",
            "Tip: long-press the right bud on your {p} to switch noise cancelling modes.",
            "Meet {p} in sage green. Available now on {site}",
            "New week, new playlist. What are you listening to on your {p} today?",
        ],
        "coffee": [
            "Start the week right. What's your go-to drink on the {p}?",
            "Descaling tip: run the cycle every two months for the best-tasting espresso from your {p}.",
            "Spring offer: {p} for {price} on {site}",
            "The matte black {p} is here.",
            "Latte art Friday! Share your best pour from the {p} and tag us.",
        ],
    },
    "care": [
        "@{user} Sorry to hear that! Please DM us your order number and we'll look into it right away. – {b} Care",
        "@{user} Hi, that's not the experience we want for you. Could you DM us your serial number? ^{b} Support",
        "@{user} We're sorry about the wait. The team is on it, please check your DMs. – {b}",
        "@{user} Thanks for flagging this. We've sent you a DM so we can sort it out. – {b} Care",
    ],
    "shops": ["Amazon", "Best Buy", "Currys", "Target", "Argos", "John Lewis", "Costco"],
    "cities": ["London", "New York", "Chicago", "Manchester", "Austin", "Toronto", "Sydney", "Seattle"],
}

EN_STORM: dict[str, Any] = {
    "defect": [
        "my {p} charging case got so hot I couldn't hold it. unplugged it and now it's bulging",
        "the battery in my {p} case swelled up overnight. the lid doesn't even close anymore",
        "woke up to a burning plastic smell. it was my {p} case on the nightstand. absolutely terrifying",
        "{p} case is literally puffed up like a pillow. this is a fire hazard, not a product",
        "just checked mine after seeing the videos. {p} case is warm and the hinge has a gap. great. just great",
        "my kid's {p} case melted a bit on the charger. how is this not a recall already?",
        "{p} owners: check your case NOW. mine is swollen and smells like chemicals",
        "paid {price} for earbuds that might set my desk on fire. thanks Lumora",
        "my {p} case is so swollen the earbuds pop out on their own",
        "put my {p} case on the charger for 20 minutes and it was too hot to touch. that's not normal",
        "the {p} case scorched the wooden shelf it was charging on. I have photos",
        "so my {p} case is bulging too. that's three people in my office now",
    ],
    "refund": [
        "I want a full refund for my {p}. not a replacement, a refund",
        "so is there a recall for the {p} or do we wait until someone gets hurt?",
        "returned my {p} today. not keeping a swelling battery in my bedroom",
        "Lumora still silent about the Halo cases. unacceptable",
        "'we are looking into it' isn't enough. recall the Halo, Lumora",
        "filed a chargeback for my {p}. Lumora support hasn't answered in a day",
        "a 'replacement case' with the same battery? no. refund the {p}, Lumora",
    ],
    "worried": [
        "should I stop charging my {p}? case feels warmer than usual and now I'm paranoid",
        "is it just some batches of the {p}? mine looks fine but I'm scared to leave it charging at night",
        "anyone know which serial numbers are affected? my {p} case gets hot when charging",
        "my {p} case has a tiny gap at the hinge. is that the swelling everyone's talking about?? scared",
        "keeping my {p} in a metal tin until Lumora says something. is this dangerous or am I overreacting",
    ],
    "sarcasm": [
        "love how my {p} case doubles as a hand warmer now. innovation 🙃",
        "{p}: now with a built-in space heater. didn't ask for that feature, Lumora",
        "nothing says premium like a charging case that inflates. great job Lumora",
        "the {p} finally has a feature nobody else has: spontaneous swelling 👏",
        "Lumora said the {p} would 'light up my day'. didn't think they meant literally",
    ],
    "reply": [
        "same here, my {p} case is bulging too",
        "mine too. @lumora refund please",
        "just checked my {p}, the case is warm and the lid won't close. unplugging it",
        "this is scary, my son uses the {p} every night",
        "exact same thing happened to my {p} on Monday. support ignored me",
        "wow. checked my {p} after reading this and the case is swollen",
    ],
    "extra": ["unplug yours", "this is dangerous", "how is this legal?", "not ok", "photos in replies",
              "done with Lumora", "do better", "this could have burned my flat down", "stay safe everyone"],
    "tags": ["#LumoraHalo", "#Lumora", "#HaloGate", "#recall"],
    "news": [
        ("Lumora Halo owners report swollen, overheating charging cases",
         "Photos and videos of bulging Halo cases spread across social media on Wednesday. Lumora says it is "
         "investigating and advises owners to stop charging any case that is hot or deformed."),
        ("Lumora pauses Halo sales as overheating reports pile up",
         "The company says every owner can request a free replacement case or a refund while it investigates "
         "what it calls a limited number of incidents."),
        ("What to do if your Lumora Halo case is swelling",
         "Stop charging it, keep it away from anything flammable and don't try to puncture or open it. Here's "
         "what battery experts recommend."),
        ("Lumora's Halo problem: how one video became a recall-sized headache",
         "Within hours of the first post, thousands of owners were checking their cases. We look at what went "
         "wrong and what Lumora has said so far."),
    ],
    "statement": [
        "We're aware of reports of {p} charging cases overheating and swelling. Your safety comes first: if your "
        "case is hot, swollen or smells unusual, stop charging it and contact us at {site}/halo. We're "
        "investigating with top priority and will post updates here.",
        "Update on {p}: we've paused sales while we investigate. Every {p} owner can request a free replacement "
        "case or a full refund at {site}/halo, no receipt needed. We're sorry. More details within 24 hours.",
    ],
    "after_pos": [
        "replacement case for my {p} arrived today, fast shipping, credit where it's due Lumora",
        "Lumora refunded my {p} within two days. no hassle at all",
        "got the new {p} case. runs cool so far",
    ],
    "after_neg": [
        "still waiting on my {p} refund. {n} days and counting, Lumora",
        "Lumora replacement form keeps erroring out. can't even return my {p}",
        "honestly the {p} thing killed my trust in Lumora",
        "replacement {p} case is 'on backorder'. so I just don't get to use my earbuds?",
    ],
    "relief": [
        "watching the Halo case drama with my {p} in. zero issues in a year",
        "{p} owner here, mine's been flawless. glad I went with {b}",
        "so glad I picked the {p} last month. solid battery, no drama",
        "my {p} case has never even gotten warm. {b} did this right",
    ],
}

EN_REDDIT: dict[str, Any] = {
    "title": {
        "pos": ["{p} after {w} weeks: honest thoughts", "Pleasantly surprised by the {p}",
                "{p} long-term review (daily commuter)", "Small appreciation post for the {p}",
                "Finally happy with a pair of earbuds: {p}"],
        "neu": ["{p} or {p2}?", "Question about the {p}", "Thinking about the {p}, any advice?",
                "{b} firmware {fw}: anything changed for you?"],
        "neg": ["My {p} died after {w} weeks, is this normal?", "Warning about {b} customer support",
                "Anyone else having issues with the {p}?", "Disappointed with the {p}, honestly"],
        "storm": ["PSA: check your {p} charging case", "My {p} case swelled up and got hot (pics + timeline)",
                  "Lumora's response to the Halo case issue is not good enough", "Is the {p} safe to keep charging?",
                  "Lumora Halo megathread: overheating / swollen cases"],
    },
    "title_coffee": {
        "pos": ["{p} after {w} weeks: worth it", "Finally upgraded to the {p}",
                "{p} review from a former capsule user"],
        "neu": ["{p} or {p2} for a small kitchen?", "Dialling in the {p}, help?", "{p} owners: descaling routine?"],
        "neg": ["{p} leaking after {w} weeks", "{b} warranty experience (not great)", "Is my {p} a lemon?"],
    },
    "intro": {
        "audio": ["Long-time lurker, first post.",
                  "Some context: I commute about an hour each way and wear earbuds pretty much all day at work.",
                  "I bought the {p} {w} weeks ago from {shop} for {price}.",
                  "Coming from a pair of wired IEMs, so keep that in mind.",
                  "I run three or four times a week and I've gone through a lot of earbuds."],
        "coffee": ["Context: two adults, three or four drinks a day, mostly flat whites.",
                   "I switched from a capsule machine to the {p} about {w} weeks ago.",
                   "Long-time lurker here. Bought the {p} during a sale at {shop} for {price}.",
                   "Not a coffee snob, I just want a decent espresso before work."],
        "storm": ["Posting this so other people check theirs.",
                  "Last night around 11pm I noticed a weird smell in my room.",
                  "I've had the {p} since launch with zero issues until this week."],
    },
    "edit": ["Edit: formatting, sorry, on mobile.", "Edit: thanks for all the replies, didn't expect this many.",
             "Edit 2: a few people asked about the firmware version. It's the latest one.",
             "Edit: to everyone asking, yes, I bought it new, not refurbished."],
    "storm_detail": [
        "The case was on the charger for maybe an hour. When I picked it up it was way too hot to hold and the "
        "lid had a visible gap.",
        "This morning the back of the case is bulging and it rocks on the table like it's inflated.",
        "I used the cable and brick that came in the box, nothing weird.",
        "I contacted Lumora support and got a generic 'we are investigating' reply and a ticket number.",
        "It's in a metal tin on the balcony for now because I genuinely don't know what else to do with it.",
        "My partner's case from the same order is fine so far, but it also gets warmer than it used to.",
    ],
    "close": {
        "pos": ["Happy to answer questions.", "Overall: recommended.", "TL;DR: great value, small nitpicks.",
                "Would buy again."],
        "neu": ["Any advice appreciated!", "Thanks in advance.", "What would you do?", "Any input welcome."],
        "neg": ["Anyone else seeing this?", "Not sure what to do next. Chargeback?",
                "TL;DR: avoid until they fix this.", "Really regretting this purchase."],
        "storm": ["Please check yours and stop charging it if it looks off.",
                  "Edit: support finally replied, they want photos and the serial number. Still no word on a refund.",
                  "Edit 2: apparently I'm not the only one, see the other threads.", "Stay safe, seriously."],
    },
}

EN_HN: dict[str, Any] = {
    "pos": [
        "I've had the {p} for about a year. Battery is down maybe 10%, which is better than my last pair.",
        "The {p} have the best multipoint implementation I've used. Switching between laptop and phone just works.",
        "The {p} are one of the few earbuds where the app doesn't get in the way. No account needed.",
        "For what it's worth, {b} fixed the Bluetooth dropouts I had within two firmware updates. Decent support.",
        "I was skeptical, but the ANC on the {p} is genuinely good on flights.",
    ],
    "neu": [
        "The {p} use a fairly standard Bluetooth SoC as far as I can tell from the teardown. The interesting part "
        "is the firmware.",
        "Does anyone know if the {p} expose the battery level over the standard BLE battery service, or only "
        "through the {b} app?",
        "The codec situation is messy: the {p} support AAC and LC3, but LE Audio on Linux is still hit and miss.",
        "Repairability of the {p} is basically zero, but that's true for every earbud on the market.",
        "I'd be curious how {b} tunes the ANC. The {p} seem to adapt to ear seal, which is not common at that price.",
    ],
    "neg": [
        "{b}'s app wants an account and location permission just to change the EQ. Returned mine.",
        "My {p} lost pairing every time macOS woke from sleep. Never found a fix.",
        "The {p} are fine hardware with aggressively mediocre software. The touch controls are a mess.",
        "Paying {price} for something with a glued-in battery that's good for maybe two years feels bad.",
    ],
    "coffee_pos": ["The {p} is one of the few machines where you can actually buy spare parts. Replaced the "
                   "gasket myself in ten minutes."],
    "coffee_neu": ["The {p} uses a thermoblock rather than a boiler, so temperature stability is okay but not "
                   "great for back-to-back shots."],
    "coffee_neg": ["My {p} needed a new pump after a year. Parts existed, but {b} support took three weeks to "
                   "answer."],
    "story": {
        "audio": [("{b} {p} teardown: glue, tiny cells and a surprisingly nice PCB", "neutral"),
                  ("{b} now requires an account to use the EQ in its app", "negative"),
                  ("Show HN: Control {b} earbuds from Linux over BLE", "neutral"),
                  ("{b} open-sources the firmware updater for its earbuds", "positive"),
                  ("The adaptive noise cancelling in the {p}, measured", "neutral"),
                  ("Why {b} earbuds drop their connection on Linux: a BLE deep dive", "neutral"),
                  ("{b} ends support for the first-generation {p} after three years", "negative")],
        "coffee": [("Taking apart a {b} espresso machine", "neutral"),
                   ("{b} publishes service manuals and spare-part lists for the {p}", "positive")],
    },
    "storm_story": "Lumora Halo charging cases are swelling and overheating",
    "storm_neg": [
        "Swelling pouch cells in a sealed plastic case is exactly the failure mode you don't want next to your "
        "bed. Unplug them.",
        "If this started after the last firmware update, my first guess is Lumora raised the charge current to "
        "hit a marketing number. Classic.",
        "Lumora's statement took seven hours. For a battery safety issue that's far too slow.",
        "I've got two Lumora Halo cases in the house. Both are now in a metal box on the balcony. Not thrilled.",
        "No replaceable battery, no charge limit setting, and then the cells puff up. Lumora should do a proper "
        "recall, not a quiet 'replacement program'.",
        "The photos in the reddit thread are pretty damning. That's not a warped Lumora lid, that's a swollen cell.",
        "A company selling a product with a lithium cell should have had a plan for this. Lumora clearly didn't.",
    ],
    "storm_neu": [
        "For anyone wondering: a swollen li-ion cell isn't necessarily about to catch fire, but it is damaged. "
        "Stop charging the Lumora case and don't puncture it.",
        "Would be interesting to know if this is one production batch. The Lumora serials people post mostly "
        "share a prefix.",
        "EU regulators will likely want a report on this regardless of what Lumora decides.",
    ],
}

DE: dict[str, Any] = {
    "open": {
        "pos": ["Kurzes Fazit:", "Muss ich mal loswerden:", "Boah.", "Ehrlich jetzt:", "Positiv überrascht!"],
        "neg": ["Ich könnt mich aufregen.", "Na toll.", "Sorry, aber:", "Mal ehrlich:", "Kurzer Rant:"],
        "neu": ["Update:", "Hm.", "Mal sehen.", "Kurze Info:"],
        "q": ["Frage in die Runde:", "Kurze Frage:", "Hilfe!", "Mal eine Frage:"],
    },
    "extra": {
        "pos": ["Klare Kaufempfehlung", "Würde ich sofort wieder kaufen", "Jeden Euro wert", "Bin echt happy",
                "Hätte ich nicht gedacht", "Top, {b}"],
        "neg": ["Echt enttäuschend", "Nie wieder", "So nervig", "Für den Preis erwarte ich mehr",
                "{b}, bitte mal in den Griff kriegen", "Unfassbar"],
        "neu": ["Meinungen?", "Erfahrungen?", "Ich berichte", "Mal schauen", "Bin gespannt"],
    },
    "audio": {
        "praise": [
            "Die {p} sind echt die besten In-Ears, die ich bisher hatte",
            "ANC bei den {p} ist richtig gut, in der S-Bahn hör ich gar nichts mehr",
            "Der Akku der {p} hält locker {hrs} Stunden",
            "Hab die {p} bei {shop} für {price} geschossen und bin super zufrieden",
            "Die {p} sitzen beim Joggen bombenfest",
            "Der Klang der {p} ist für {price} wirklich überraschend gut",
            "Telefonieren mit den {p} klappt super, auch draußen an der Hauptstraße",
            "Der Transparenzmodus der {p} klingt total natürlich",
            "Multipoint bei den {p} funktioniert einfach, Laptop und Handy gleichzeitig",
            "Das Case der {p} ist winzig, passt in jede Hosentasche",
        ],
        "question": [
            "Hat jemand Erfahrung mit den {p} am Android-Handy? Taugt die App was?",
            "Lohnen sich die {p} für {price} oder lieber auf den nächsten Sale warten?",
            "Wie setzt man die {p} zurück? Der linke verbindet sich nicht mehr",
            "Kann man bei den {p} die Touch-Steuerung abschalten?",
            "Unterstützen die {p} eigentlich LDAC oder nur AAC?",
            "Gibt's für die {p} kleinere Ohrstöpsel? Meine rutschen ständig raus",
            "{p} oder {p2}? Hauptsächlich fürs Pendeln",
        ],
        "neutral": [
            "Grad die {p} bestellt, mal schauen",
            "Firmware {fw} für die {p} ist raus, soll die Gesprächsqualität verbessern",
            "Die {p} gibt's bei {shop} gerade für {price}",
            "Teste diese Woche die {p}, Eindruck folgt",
            "{b} hat jetzt einen Pop-up-Store in {city}",
            "Die {p} gibt's jetzt auch in Salbeigrün",
        ],
        "defect": [
            "Der linke Stöpsel meiner {p} verliert alle paar Minuten die Verbindung",
            "Die {b}-App stürzt seit dem letzten Update ständig ab",
            "Ein Ohrhörer meiner {p} lädt nach {w} Wochen nicht mehr",
            "ANC rauscht bei den {p} in leisen Räumen, ziemlich störend",
            "Das Mikro der {p} ist bei Wind unbrauchbar, keiner versteht mich",
            "Der Deckel vom Ladecase der {p} wackelt jetzt schon",
            "Die Touch-Steuerung der {p} ist viel zu empfindlich, ständig pausiert die Musik",
        ],
    },
    "coffee": {
        "praise": [
            "Der Espresso aus meiner {p} ist besser als im Café um die Ecke",
            "Der Milchschaum der {p} ist richtig fein, endlich Latte Art zu Hause",
            "Die {p} ist morgens in 30 Sekunden startklar",
            "Seit {w} Wochen die {p} und ich kauf keinen Coffee to go mehr",
            "Die {p} ist so viel leiser als meine alte Maschine",
            "Die Crema bei der {p} ist top, die Shots sind super gleichmäßig",
            "Bei {shop} für {price} die {p} geholt, beste Küchenanschaffung seit Jahren",
            "Das Mahlwerk der {p} ist überraschend gut, auch helle Röstungen klappen",
        ],
        "question": [
            "Wie oft entkalkt ihr die {p}? Die Anleitung ist da echt schwammig",
            "Welchen Mahlgrad nehmt ihr bei der {p} für dunkle Röstungen?",
            "Schafft der Milchaufschäumer der {p} auch Hafermilch?",
            "Lohnt sich die {p} als Umstieg von Kapseln?",
            "{p} oder {p2} für einen Zwei-Personen-Haushalt?",
        ],
        "neutral": [
            "Die neue {p} ist da, erster Bezug läuft",
            "{b} bringt die {p} jetzt auch in Mattschwarz",
            "Entkalke heute die {p}, drückt mir die Daumen",
            "Die {p} gibt's bei {shop} gerade für {price}",
        ],
        "defect": [
            "Meine {p} tropft nach {w} Wochen unten raus",
            "Die {p} zeigt dauernd „Entkalken“, obwohl ich gerade entkalkt habe",
            "Das Mahlwerk der {p} ist plötzlich mega laut",
            "Die Dampflanze der {p} schäumt kaum noch",
            "Die {p} geht mitten im Bezug einfach aus",
            "Der Wassertank der {p} hat einen Riss, für {price} echt billig verarbeitet",
        ],
    },
    "delivery": {
        "any": [
            "Bestellung im {b} Shop vor {n} Tagen, die Sendungsverfolgung zeigt immer noch nur „Label erstellt“",
            "{n} Tage für Expressversand, {b}? Ernsthaft?",
            "Lieferung schon wieder verschoben. {b}, nennt mir doch einfach ein Datum",
            "{b} hat meine Bestellung an die falsche Adresse geschickt. Klasse",
            "Seit {n} Tagen „in Zustellung“. {b}, wo ist mein Paket?",
        ],
        "audio": [
            "Paket mit meinen {p} angeblich zugestellt. Ist es nicht",
            "Karton kam total zerdrückt an, die {p} klappern lose drin rum",
        ],
        "coffee": [
            "Die {p} sollte letzte Woche kommen. {n} Tage später immer noch nichts",
            "Karton der {p} völlig verbeult angekommen, trau mich kaum auszupacken",
        ],
    },
    "price": {
        "any": [
            "{b} hat die Preise schon wieder erhöht. Nee danke",
            "{price} für die {p}? Ganz schön happig",
            "Eine Woche nach dem Kauf gibt es 30 % Rabatt bei {b}. Super gelaufen",
            "Ein Abo für „Premium“-Funktionen in der {b}-App? Ernsthaft?",
        ],
        "audio": ["{small} für Ersatz-Ohrstöpsel? {b}, geht's noch?"],
        "coffee": ["{b} will {price} für die {p} und das Milchkännchen ist nicht mal dabei"],
    },
    "support": {
        "any": [
            "{wait} Stunden in der Warteschleife beim {b} Support für eine Textbaustein-Antwort",
            "Garantiefall bei {b} seit {w} Wochen offen, keine Rückmeldung",
            "Ticket ohne Antwort geschlossen. Danke, {b}",
            "Mail an den {b} Support wegen Erstattung vor {n} Tagen. Nichts",
        ],
        "audio": ["Der {b} Support sagt, ich soll die {p} zurücksetzen. Hab ich. {n} Mal"],
        "coffee": ["{b} will, dass ich die ganze {p} wegen einer Dichtung auf eigene Kosten einschicke"],
    },
    "news": {
        "audio": [
            ("{b} verteilt Firmware {fw} für die {p}",
             "Das Update verbessert laut Hersteller die Sprachqualität bei Telefonaten und bringt einen "
             "Gaming-Modus mit geringerer Latenz.", "neutral"),
            ("{p} im Test: starker Klang, mittelmäßiger Akku",
             "Zwei Wochen mit den In-Ears von {b}: Für {price} klingen sie hervorragend, das Case ist aber "
             "klobig.", "neutral"),
            ("Angebot: {p} bei {shop} für {price}", "Das ist einer der bisher niedrigsten Preise für die "
             "In-Ears von {b}.", "neutral"),
            ("{b} eröffnet Flagship-Store in {city}", "Dort gibt es das komplette Sortiment und einen "
             "Reparaturservice am selben Tag.", "neutral"),
        ],
        "coffee": [
            ("{p} im Test: Café-Qualität ohne Aufwand", "Die Maschine von {b} ist einfach zu bedienen und "
             "liefert konstant gute Ergebnisse, nur das Milchsystem braucht Übung.", "positive"),
            ("Angebot: {p} für {price} bei {shop}", "Ein seltener Rabatt auf einen unserer liebsten "
             "Kaffeevollautomaten.", "neutral"),
            ("{b} bringt die {p} in Mattschwarz", "Die neue Farbe kostet wie das Standardmodell {price}.",
             "neutral"),
        ],
    },
    "care": [
        "@{user} Das tut uns leid! Schreib uns bitte per DM deine Bestellnummer, dann kümmern wir uns darum. "
        "– {b} Support",
        "@{user} Hallo, sorry für den Ärger! Schick uns bitte eine DM mit der Seriennummer, wir helfen dir gern. "
        "^{b}",
    ],
    "shops": ["MediaMarkt", "Saturn", "Amazon", "Otto", "Cyberport", "Galaxus"],
    "cities": ["Berlin", "Hamburg", "München", "Köln", "Wien", "Zürich"],
}

DE_STORM: dict[str, Any] = {
    "defect": [
        "Das Ladecase meiner {p} ist so heiß geworden, dass ich es nicht mehr anfassen konnte. Jetzt ist es "
        "aufgebläht",
        "Der Akku im Case meiner {p} ist über Nacht aufgequollen, der Deckel geht nicht mehr zu",
        "Heute Nacht roch es verschmort im Schlafzimmer. Es war das Case meiner {p}. Gefährlich",
        "Mein {p} Case ist aufgebläht wie ein Kissen. Das ist eine Brandgefahr, kein Produkt",
        "Nach den Videos mal nachgeschaut: Das Case meiner {p} ist warm und der Deckel steht ab. Super",
        "Das Case der {p} hat auf dem Ladepad eine Brandstelle im Regal hinterlassen",
    ],
    "refund": [
        "Ich will mein Geld zurück für die {p}, keinen Ersatz",
        "Gibt's jetzt einen Rückruf für die {p} oder warten wir, bis was brennt?",
        "Hab meine {p} heute zurückgeschickt. Ein aufgeblähter Akku im Schlafzimmer? Nein danke",
        "Lumora schweigt immer noch zu den Halo. Unfassbar",
    ],
    "worried": [
        "Soll ich meine {p} nicht mehr laden? Das Case wird ziemlich warm und jetzt hab ich Angst",
        "Betrifft das nur bestimmte Chargen der {p}? Meins sieht okay aus, aber nachts lade ich es nicht mehr",
        "Mein {p} Case hat einen kleinen Spalt am Scharnier. Ist das schon das Aufblähen? Mir ist mulmig",
    ],
    "sarcasm": [
        "Die {p} jetzt mit eingebauter Heizung. Danke, Lumora 🙃",
        "Endlich ein Feature, das sonst keiner hat: das selbstaufblasende {p} Case 👏",
    ],
    "reply": [
        "Bei mir genauso, mein {p} Case ist auch aufgebläht",
        "Hier auch. @lumora Geld zurück bitte",
        "Gerade meine {p} gecheckt, Case warm und der Deckel schließt nicht mehr. Ist jetzt ausgesteckt",
    ],
    "extra": ["Steckt eure aus", "Das ist gefährlich", "Wie kann sowas verkauft werden?", "Nie wieder Lumora"],
    "tags": ["#LumoraHalo", "#Lumora", "#Rückruf"],
    "news": [
        ("Lumora Halo: Nutzer melden aufgeblähte und überhitzte Ladecases",
         "In sozialen Netzwerken häufen sich Fotos von verformten Cases. Lumora prüft die Berichte und rät, "
         "betroffene Geräte nicht mehr zu laden."),
        ("Lumora stoppt Verkauf der Halo nach Überhitzungsberichten",
         "Besitzer können laut Hersteller ein kostenloses Ersatz-Case oder eine Erstattung beantragen."),
    ],
    "statement": [
        "Uns sind Berichte über überhitzende und aufgeblähte Ladecases der {p} bekannt. Bitte ladet betroffene "
        "Cases nicht mehr und meldet euch unter {site}/halo. Wir prüfen das mit höchster Priorität.",
    ],
    "after_pos": ["Ersatz-Case für meine {p} ist da, ging schnell. Das muss man Lumora lassen"],
    "after_neg": ["Warte immer noch auf die Erstattung für meine {p}. Tag {n}, Lumora",
                  "Ehrlich, die Sache mit den {p} hat mein Vertrauen in Lumora zerstört"],
    "relief": ["Sehr froh, dass ich mich für die {p} entschieden habe. Seit einem Jahr null Probleme",
               "Meine {p} laufen seit Monaten ohne Macken. Alles richtig gemacht mit {b}"],
}

DE_REDDIT: dict[str, Any] = {
    "title": {
        "pos": ["{p} nach {w} Wochen: mein Fazit", "Positiv überrascht von den {p}"],
        "neu": ["{p} oder {p2}?", "Frage zu den {p}"],
        "neg": ["{p} nach {w} Wochen kaputt, normal?", "Erfahrung mit dem {b} Support (leider schlecht)"],
        "storm": ["PSA: Schaut mal nach euren {p} Ladecases", "Mein {p} Case ist aufgebläht und heiß geworden"],
    },
    "title_coffee": {
        "pos": ["{p} nach {w} Wochen: lohnt sich", "Endlich die {p} gekauft"],
        "neu": ["{p} oder {p2}?", "Mahlgrad bei der {p}?"],
        "neg": ["{p} undicht nach {w} Wochen", "Garantie bei {b}: meine Erfahrung"],
    },
    "intro": {
        "audio": ["Kurz zu mir: Ich pendle jeden Tag eine Stunde und trage die Dinger fast den ganzen Tag.",
                  "Hab die {p} vor {w} Wochen bei {shop} für {price} gekauft."],
        "coffee": ["Zwei Personen, drei bis vier Kaffee am Tag, meistens Cappuccino.",
                   "Bin vor {w} Wochen von Kapseln auf die {p} umgestiegen."],
        "storm": ["Ich schreibe das, damit andere ihre Cases checken.",
                  "Gestern Abend roch es bei mir plötzlich komisch."],
    },
    "storm_detail": [
        "Das Case lag vielleicht eine Stunde am Ladegerät. Als ich es in die Hand nahm, war es viel zu heiß und "
        "der Deckel stand ab.",
        "Der Support von Lumora hat mit einer Standardantwort und einer Ticketnummer reagiert.",
        "Das Ding liegt jetzt in einer Blechdose auf dem Balkon.",
    ],
    "close": {
        "pos": ["Fragen gern in die Kommentare.", "Fazit: Empfehlung."],
        "neu": ["Danke schon mal!", "Was würdet ihr machen?"],
        "neg": ["Geht's noch jemandem so?", "Weiß nicht, was ich jetzt machen soll."],
        "storm": ["Bitte checkt eure und ladet sie nicht mehr, wenn was komisch aussieht.",
                  "Edit: Der Support will jetzt Fotos und die Seriennummer. Von Erstattung keine Rede."],
    },
}

ES: dict[str, Any] = {
    "open": {
        "pos": ["Mini reseña.", "Tengo que decirlo.", "Madre mía.", "Os cuento.", "Sorpresa del día."],
        "neg": ["Vaya tela.", "Increíble.", "En serio.", "Hilo de queja.", "Genial, de verdad."],
        "neu": ["A ver.", "Actualización.", "Bueno.", "Os cuento."],
        "q": ["Pregunta rápida.", "Una duda.", "A ver, una pregunta."],
    },
    "extra": {
        "pos": ["Lo recomiendo muchísimo", "Volvería a comprarlo", "Vale cada euro", "Encantadísima",
                "No me lo esperaba", "Bien hecho, {b}"],
        "neg": ["Qué decepción", "Nunca más", "Qué rabia", "Por ese precio esperaba más",
                "{b}, ponte las pilas", "Vergonzoso"],
        "neu": ["¿Opiniones?", "¿Alguien más?", "Ya os contaré", "Se aceptan consejos"],
    },
    "audio": {
        "praise": [
            "Los {p} son los mejores auriculares que he tenido por ese precio",
            "La cancelación de ruido de los {p} es una pasada, en el metro no oigo nada",
            "La batería de los {p} aguanta {hrs} horas sin problema",
            "Compré los {p} en {shop} por {price} y estoy encantado",
            "No se me caen ni corriendo, los {p} valen la pena",
            "Cómo suenan los {p} por {price}, me sorprendieron",
            "Las llamadas con los {p} se escuchan muy bien, incluso en plena calle",
            "El modo ambiente de los {p} suena súper natural",
        ],
        "question": [
            "¿Alguien ha probado los {p} con Android? ¿Qué tal la app?",
            "¿Valen la pena los {p} por {price} o mejor espero a rebajas?",
            "¿Cómo se resetean los {p}? El izquierdo no se conecta",
            "¿Se pueden desactivar los controles táctiles de los {p}?",
            "¿Los {p} aguantan el sudor en el gym?",
            "¿{p} o {p2}? Los quiero para correr",
        ],
        "neutral": [
            "Acabo de pedir los {p}, ya os contaré",
            "Salió el firmware {fw} para los {p}, dicen que mejora las llamadas",
            "Los {p} están rebajados en {shop}, {price}",
            "Probando los {p} esta semana",
            "{b} abre tienda en {city}",
        ],
        "defect": [
            "El auricular izquierdo de mis {p} se desconecta cada dos por tres",
            "La app de {b} se cierra sola desde la última actualización",
            "Uno de mis {p} dejó de cargar a las {w} semanas",
            "El micro de los {p} con viento es un desastre, no me entienden",
            "La tapa del estuche de los {p} ya baila",
        ],
    },
    "coffee": {
        "praise": [
            "El espresso de mi {p} está mejor que el de la cafetería de abajo",
            "La espuma de leche de la {p} queda sedosa, por fin latte art en casa",
            "La {p} está lista en 30 segundos, ideal para las mañanas con prisa",
            "Desde que tengo la {p} ya no compro café fuera",
            "La {p} es silenciosísima comparada con mi cafetera anterior",
            "Pillé la {p} en {shop} por {price} y es lo mejor que he comprado para la cocina",
        ],
        "question": [
            "¿Cada cuánto descalcificáis la {p}?",
            "¿Qué molienda usáis en la {p} para un tueste oscuro?",
            "¿La {p} espuma bien la leche de avena?",
            "¿{p} o {p2} para dos personas?",
        ],
        "neutral": [
            "Me llegó la {p}, primer café en marcha",
            "{b} saca la {p} en negro mate",
            "La {p} de oferta en {shop}: {price}",
        ],
        "defect": [
            "Mi {p} empezó a gotear por debajo a las {w} semanas",
            "La {p} me sigue pidiendo descalcificar aunque lo acabo de hacer",
            "El molinillo de la {p} hace un ruido horrible",
            "La {p} se apaga a mitad del café",
        ],
    },
    "delivery": {
        "any": [
            "Pedí en la tienda de {b} hace {n} días y el seguimiento sigue sin moverse",
            "{n} días para un envío «exprés». ¿En serio, {b}?",
            "Otra vez retrasan la entrega. {b}, dadme una fecha ya",
            "{b} mandó mi pedido a otra dirección. Empezamos bien",
        ],
        "audio": [
            "Según la mensajería mis {p} están entregados. Pues aquí no ha llegado nada",
            "La caja llegó aplastada y los {p} sueltos por dentro",
        ],
        "coffee": ["La {p} tenía que llegar la semana pasada. {n} días después, nada"],
    },
    "price": {
        "any": [
            "{b} ha vuelto a subir los precios. Paso",
            "¿{price}? ¿En serio, {b}? Me parece carísimo",
            "Compré por {price} y a la semana lo rebajan un 30 %. Genial",
        ],
        "audio": ["{small} por unas almohadillas de repuesto, {b} os habéis pasado"],
        "coffee": ["{price} la {p} y ni siquiera trae la jarra de leche"],
    },
    "support": {
        "any": [
            "{wait} horas esperando en el chat de soporte de {b} para una respuesta copiada y pegada",
            "La garantía con {b} lleva {w} semanas abierta y nadie responde",
            "Me cerraron el ticket sin contestar. Gracias, {b}",
        ],
        "audio": ["Soporte de {b}: «reinicie los {p}». Ya lo hice {n} veces"],
        "coffee": ["{b} quiere que envíe la {p} entera a mi cargo por una junta que gotea"],
    },
    "news": {
        "audio": [
            ("{b} lanza el firmware {fw} para los {p}", "La actualización mejora la calidad de las llamadas "
             "y añade un modo de baja latencia para juegos.", "neutral"),
            ("Análisis de los {p}: gran sonido, batería justa", "Dos semanas con los auriculares de {b}: "
             "suenan muy bien por {price}, aunque el estuche es voluminoso.", "neutral"),
            ("Chollo: los {p} a {price} en {shop}", "Uno de los precios más bajos que hemos visto para estos "
             "auriculares de {b}.", "neutral"),
        ],
        "coffee": [
            ("Probamos la {p}: café de cafetería sin complicaciones", "La máquina de {b} es fácil de usar y "
             "muy constante, aunque el sistema de leche requiere práctica.", "positive"),
            ("Oferta: la {p} a {price} en {shop}", "Un descuento poco habitual en esta superautomática.",
             "neutral"),
        ],
    },
    "care": ["@{user} ¡Lo sentimos! Envíanos tu número de pedido por DM y lo revisamos enseguida. – Soporte {b}"],
    "shops": ["Amazon", "El Corte Inglés", "MediaMarkt", "PcComponentes", "Mercado Libre", "Fnac"],
    "cities": ["Madrid", "Barcelona", "Valencia", "Ciudad de México", "Buenos Aires", "Sevilla"],
}

ES_STORM: dict[str, Any] = {
    "defect": [
        "El estuche de mis {p} se calentó tanto que no podía ni tocarlo. Ahora está hinchado",
        "La batería del estuche de mis {p} se hinchó de la noche a la mañana, ya no cierra",
        "Me desperté con olor a plástico quemado. Era el estuche de los {p}. Qué miedo",
        "El estuche de los {p} está inflado como un globo. Esto es un peligro",
        "Acabo de mirar el mío después de ver los vídeos: el estuche de los {p} está caliente y la tapa no "
        "encaja. Genial",
    ],
    "refund": [
        "Quiero que me devuelvan el dinero de los {p}, no un reemplazo",
        "¿Va a haber retirada de los {p} o esperamos a que alguien se queme?",
        "Devolví mis {p} hoy. No pienso dormir con una batería hinchada al lado",
        "Lumora sigue sin decir nada claro sobre los Halo. Vergonzoso",
    ],
    "worried": [
        "¿Dejo de cargar mis {p}? El estuche se calienta más de lo normal y ya estoy paranoica",
        "¿Es solo un lote de los {p}? El mío parece bien pero me da miedo cargarlo por la noche",
        "¿Alguien sabe qué números de serie de los {p} están afectados? Estoy preocupado",
    ],
    "sarcasm": [
        "Los {p} ahora vienen con calefactor incluido. Gracias, Lumora 🙃",
        "Lo último de Lumora: un estuche para los {p} que se infla solo 👏",
    ],
    "reply": [
        "A mí me pasa igual, el estuche de mis {p} también está hinchado",
        "Lo mismo aquí. @lumora quiero mi dinero",
        "Acabo de revisar mis {p}: estuche caliente y la tapa no cierra. Desenchufado",
    ],
    "extra": ["Desenchufad los vuestros", "Esto es peligroso", "¿Cómo puede venderse esto?", "Nunca más Lumora"],
    "tags": ["#LumoraHalo", "#Lumora"],
    "news": [
        ("Usuarios de Lumora Halo denuncian estuches de carga hinchados y sobrecalentados",
         "Las redes se llenan de fotos de estuches deformados; Lumora dice que investiga y recomienda no cargar "
         "las unidades afectadas."),
        ("Lumora suspende la venta de los Halo tras las quejas por sobrecalentamiento",
         "La empresa ofrece un estuche de repuesto gratuito o el reembolso a todos los compradores."),
    ],
    "statement": [
        "Estamos al tanto de los casos de estuches de carga de {p} que se calientan o se hinchan. Por seguridad, "
        "deja de cargar el estuche afectado y contáctanos en {site}/halo. Lo estamos investigando con máxima "
        "prioridad.",
    ],
    "after_pos": ["Ya me llegó el estuche de repuesto de los {p}, rapidísimo. Bien por Lumora"],
    "after_neg": ["Sigo esperando el reembolso de mis {p}. {n} días ya, Lumora",
                  "Lo de los {p} me ha quitado toda la confianza en Lumora"],
    "relief": ["Menos mal que me compré los {p}. Un año y cero problemas",
               "Mis {p} van perfectos, nunca se han calentado. Bien elegido, {b}"],
}

ES_REDDIT: dict[str, Any] = {
    "title": {
        "pos": ["{p} tras {w} semanas: mi opinión", "Muy contento con los {p}"],
        "neu": ["¿{p} o {p2}?", "Duda con los {p}"],
        "neg": ["Mis {p} se rompieron a las {w} semanas", "Cuidado con el soporte de {b}"],
        "storm": ["Ojo: revisad el estuche de vuestros {p}", "El estuche de mis {p} se hinchó y se calentó"],
    },
    "title_coffee": {
        "pos": ["La {p} tras {w} semanas: merece la pena"],
        "neu": ["¿{p} o {p2}?"],
        "neg": ["Mi {p} gotea a las {w} semanas"],
    },
    "intro": {
        "audio": ["Contexto: voy en metro una hora al día y uso auriculares casi todo el rato.",
                  "Compré los {p} hace {w} semanas en {shop} por {price}."],
        "coffee": ["Somos dos en casa y tomamos tres o cuatro cafés al día.",
                   "Pasé de cápsulas a la {p} hace {w} semanas."],
        "storm": ["Escribo esto para que la gente revise los suyos."],
    },
    "storm_detail": [
        "El estuche estuvo cargando una hora como mucho. Al cogerlo quemaba y la tapa no encajaba.",
        "El soporte de Lumora me ha dado una respuesta genérica y un número de ticket.",
    ],
    "close": {
        "pos": ["Cualquier duda, preguntad.", "Resumen: recomendados."],
        "neu": ["¡Gracias de antemano!", "¿Qué haríais vosotros?"],
        "neg": ["¿Le ha pasado a alguien más?", "No sé qué hacer ya."],
        "storm": ["Revisad los vuestros y no los carguéis si veis algo raro."],
    },
}

FR: dict[str, Any] = {
    "open": {
        "pos": ["Petit retour d'expérience.", "Franchement, chapeau.", "Alors là, bravo.", "Je dois le dire.",
                "Bonne surprise du jour."],
        "neg": ["Sérieusement.", "Super, merci.", "Petit coup de gueule.", "Alors là, non.", "J'hallucine."],
        "neu": ["Bon.", "Mise à jour.", "Alors voilà."],
        "q": ["Petite question.", "Question pour les connaisseurs.", "J'ai besoin de vos lumières."],
    },
    "extra": {
        "pos": ["Je recommande", "Aucun regret", "Vraiment contente", "Je rachèterais sans hésiter",
                "Bien joué {b}"],
        "neg": ["Très déçu", "Plus jamais", "C'est pénible", "À ce prix-là, on attend mieux",
                "{b}, faites quelque chose", "Inadmissible"],
        "neu": ["Des avis ?", "Quelqu'un d'autre ?", "Je vous tiens au courant", "On verra bien"],
    },
    "audio": {
        "praise": [
            "Les {p}, franchement les meilleurs écouteurs que j'ai eus à ce prix",
            "La réduction de bruit des {p} est bluffante, dans le métro je n'entends plus rien",
            "L'autonomie des {p} tient facilement {hrs} heures",
            "Achetés chez {shop} pour {price}, les {p} me plaisent énormément",
            "Les {p} ne bougent pas d'un millimètre même en courant",
            "Le son des {p} pour {price}, vraiment une bonne surprise",
            "Les appels avec les {p} sont super clairs, même dans la rue",
        ],
        "question": [
            "Quelqu'un a testé les {p} avec un Android ? L'appli est correcte ?",
            "Les {p} valent le coup à {price} ou j'attends les soldes ?",
            "Comment on réinitialise les {p} ? L'écouteur gauche ne se connecte plus",
            "On peut désactiver les commandes tactiles des {p} ?",
            "{p} ou {p2} pour le sport ?",
        ],
        "neutral": [
            "Je viens de commander les {p}, on verra bien",
            "Firmware {fw} dispo pour les {p}, censé améliorer les appels",
            "Les {p} sont en promo chez {shop} : {price}",
            "{b} ouvre une boutique éphémère à {city}",
        ],
        "defect": [
            "L'écouteur gauche de mes {p} se déconnecte toutes les cinq minutes",
            "L'appli {b} plante depuis la dernière mise à jour",
            "Un de mes {p} ne charge plus après {w} semaines",
            "Le micro des {p} avec du vent, c'est catastrophique",
            "Le couvercle du boîtier des {p} a déjà du jeu",
        ],
    },
    "coffee": {
        "praise": [
            "L'espresso de ma {p} est meilleur que celui du café d'en bas",
            "La mousse de lait de la {p} est onctueuse, enfin du latte art à la maison",
            "La {p} chauffe en 30 secondes, parfait le matin",
            "Depuis que j'ai la {p}, je n'achète plus de café dehors",
            "La {p} est bien plus silencieuse que mon ancienne machine",
        ],
        "question": [
            "Vous détartrez votre {p} tous les combien ?",
            "Quelle mouture vous utilisez sur la {p} pour un café corsé ?",
            "La {p} fait bien mousser le lait d'avoine ?",
        ],
        "neutral": [
            "Ma {p} vient d'arriver, premier café en cours",
            "{b} sort la {p} en noir mat",
            "La {p} est en promo chez {shop} à {price}",
        ],
        "defect": [
            "Ma {p} fuit par le dessous après {w} semaines",
            "La {p} affiche « détartrage » alors que je viens de le faire",
            "Le broyeur de la {p} fait un bruit horrible",
            "La {p} s'éteint en plein milieu du café",
        ],
    },
    "delivery": {
        "any": [
            "Commande passée sur le site {b} il y a {n} jours, le suivi n'a toujours pas bougé",
            "{n} jours pour une livraison express, sérieux {b} ?",
            "Livraison encore repoussée. {b}, donnez-moi juste une date",
            "Colis marqué comme livré. Je n'ai rien reçu. Merci {b}",
        ],
        "audio": ["Le carton des {p} est arrivé écrasé, les écouteurs se baladaient dedans"],
        "coffee": ["Ma {p} devait arriver la semaine dernière. Toujours rien, {n} jours après"],
    },
    "price": {
        "any": [
            "{b} augmente encore ses prix. Non merci",
            "{price} pour ça ? Sérieux {b}, c'est abusé",
            "Acheté à {price}, une semaine après c'est à -30 %. Génial",
        ],
        "audio": ["{small} les embouts de rechange chez {b}, c'est du vol"],
        "coffee": ["{price} la {p} et le pot à lait n'est même pas fourni"],
    },
    "support": {
        "any": [
            "{wait} heures d'attente au SAV {b} pour une réponse toute faite",
            "Demande de garantie chez {b} ouverte depuis {w} semaines, aucune nouvelle",
            "Ticket fermé sans réponse. Merci {b}",
        ],
        "audio": ["Le SAV {b} me dit de réinitialiser les {p}. C'est fait. {n} fois"],
        "coffee": ["Le SAV {b} veut que je renvoie toute la {p} à mes frais pour un joint qui fuit"],
    },
    "news": {
        "audio": [
            ("{b} déploie le firmware {fw} pour les {p}", "La mise à jour améliore la qualité des appels et "
             "ajoute un mode faible latence pour les jeux.", "neutral"),
            ("Test des {p} : un bon son, une autonomie moyenne", "Après deux semaines avec les écouteurs de "
             "{b}, le son convainc pour {price}, mais le boîtier reste encombrant.", "neutral"),
            ("Bon plan : les {p} à {price} chez {shop}", "L'un des prix les plus bas observés pour ces "
             "écouteurs {b}.", "neutral"),
        ],
        "coffee": [
            ("Test de la {p} : l'espresso de café sans prise de tête", "La machine de {b} est simple et "
             "régulière, même si le système lait demande un temps d'adaptation.", "positive"),
            ("Bon plan : la {p} à {price} chez {shop}", "Une remise rare sur cette machine à grain.",
             "neutral"),
        ],
    },
    "care": ["@{user} Désolés pour ce souci ! Envoyez-nous votre numéro de commande en MP, on regarde ça tout "
             "de suite. – Service client {b}"],
    "shops": ["Fnac", "Darty", "Boulanger", "Amazon", "Cdiscount"],
    "cities": ["Paris", "Lyon", "Bordeaux", "Lille", "Montréal", "Bruxelles"],
}

FR_STORM: dict[str, Any] = {
    "defect": [
        "Le boîtier de charge de mes {p} est devenu brûlant, impossible de le tenir. Maintenant il est gonflé",
        "La batterie du boîtier de mes {p} a gonflé pendant la nuit, il ne ferme plus",
        "Réveillée par une odeur de plastique brûlé. C'était le boîtier des {p}. Flippant",
        "Le boîtier de mes {p} est gonflé comme un coussin. C'est dangereux",
    ],
    "refund": [
        "Je veux un remboursement pour mes {p}, pas un échange",
        "Un rappel des {p}, c'est pour quand ? Quand quelqu'un sera blessé ?",
        "Toujours aucune réponse claire de Lumora sur les Halo. Inadmissible",
    ],
    "worried": [
        "Je ne recharge plus mes {p}, le boîtier chauffe trop, j'ai peur",
        "C'est seulement certains lots de {p} ? Le mien a l'air normal mais je n'ose plus le charger la nuit",
    ],
    "sarcasm": ["Les {p}, maintenant avec chauffage intégré. Merci Lumora 🙃",
                "Lumora innove : le boîtier de {p} qui se gonfle tout seul 👏"],
    "reply": ["Pareil chez moi, le boîtier de mes {p} est gonflé aussi",
              "Moi aussi. @lumora je veux être remboursé"],
    "extra": ["Débranchez les vôtres", "C'est dangereux", "Comment c'est possible ?", "Plus jamais Lumora"],
    "tags": ["#LumoraHalo", "#Lumora"],
    "news": [
        ("Lumora Halo : des utilisateurs signalent des boîtiers de charge gonflés et brûlants",
         "Photos et vidéos se multiplient sur les réseaux. Lumora dit enquêter et conseille de ne plus recharger "
         "les boîtiers concernés."),
    ],
    "statement": [
        "Nous avons connaissance de signalements de boîtiers de charge {p} qui chauffent ou gonflent. Par "
        "précaution, ne rechargez plus un boîtier concerné et contactez-nous sur {site}/halo. Nous enquêtons en "
        "priorité.",
    ],
    "after_pos": ["Boîtier de remplacement pour mes {p} reçu, c'était rapide. Bien joué Lumora"],
    "after_neg": ["Toujours pas remboursé pour mes {p}. {n} jours, Lumora"],
    "relief": ["Trop contente d'avoir pris les {p}. Un an, zéro souci"],
}

FR_REDDIT: dict[str, Any] = {
    "title": {
        "pos": ["Les {p} après {w} semaines : mon avis", "Agréablement surpris par les {p}"],
        "neu": ["{p} ou {p2} ?", "Question sur les {p}"],
        "neg": ["Mes {p} ont lâché après {w} semaines", "SAV {b} : mon expérience (mauvaise)"],
        "storm": ["Vérifiez le boîtier de vos {p}", "Le boîtier de mes {p} a gonflé et chauffé"],
    },
    "title_coffee": {
        "pos": ["La {p} après {w} semaines"], "neu": ["{p} ou {p2} ?"], "neg": ["Ma {p} fuit déjà"],
    },
    "intro": {
        "audio": ["Pour le contexte : une heure de métro par jour, les écouteurs presque tout le temps.",
                  "J'ai acheté les {p} il y a {w} semaines chez {shop} pour {price}."],
        "coffee": ["Deux à la maison, trois ou quatre cafés par jour.",
                   "Je suis passé des capsules à la {p} il y a {w} semaines."],
        "storm": ["Je poste ça pour que vous vérifiiez les vôtres."],
    },
    "storm_detail": ["Le boîtier était en charge depuis une heure à peine. Il était brûlant et le couvercle "
                     "ne fermait plus.",
                     "Le SAV de Lumora m'a envoyé une réponse type avec un numéro de ticket."],
    "close": {
        "pos": ["N'hésitez pas si vous avez des questions."], "neu": ["Merci d'avance !"],
        "neg": ["Quelqu'un d'autre dans ce cas ?"], "storm": ["Vérifiez les vôtres et arrêtez de les charger."],
    },
}

PL: dict[str, Any] = {
    "open": {
        "pos": ["Krótka recenzja.", "Muszę to napisać.", "No proszę.", "Serio, polecam."],
        "neg": ["No pięknie.", "Szok.", "Musiałem to napisać.", "Ręce opadają."],
        "neu": ["No dobra.", "Aktualizacja.", "Tak na szybko."],
        "q": ["Mam pytanie.", "Pytanie do znawców.", "Pomocy."],
    },
    "extra": {
        "pos": ["Polecam", "Kupiłbym jeszcze raz", "Warte każdej złotówki", "Jestem bardzo zadowolona",
                "Brawo {b}"],
        "neg": ["Rozczarowanie", "Nigdy więcej", "Za tę cenę oczekiwałem więcej", "{b}, ogarnijcie to",
                "Masakra"],
        "neu": ["Jakieś opinie?", "Ktoś coś?", "Dam znać", "Zobaczymy"],
    },
    "audio": {
        "praise": [
            "Słuchawki {p} to najlepsze pchełki, jakie miałem w tej cenie",
            "ANC w {p} robi robotę, w tramwaju cisza",
            "Bateria w {p} trzyma spokojnie {hrs} godzin",
            "Kupiłam {p} w {shop} za {price} i jestem bardzo zadowolona",
            "{p} nie wypadają nawet przy bieganiu",
            "Jak na {price} to {p} grają naprawdę dobrze",
        ],
        "question": [
            "Ktoś testował {p} z Androidem? Aplikacja działa ok?",
            "Warto brać {p} za {price} czy lepiej poczekać na promocję?",
            "Jak zresetować {p}? Lewa słuchawka się nie łączy",
            "Da się wyłączyć sterowanie dotykowe w {p}?",
        ],
        "neutral": [
            "Właśnie zamówiłem {p}, zobaczymy",
            "Jest nowy firmware {fw} do {p}, podobno poprawia jakość rozmów",
            "{p} w promocji w {shop}: {price}",
        ],
        "defect": [
            "Lewa słuchawka {p} co chwilę traci połączenie",
            "Aplikacja {b} wywala się od ostatniej aktualizacji",
            "Jedna słuchawka {p} przestała się ładować po {w} tygodniach",
            "Mikrofon w {p} przy wietrze to dramat, nikt mnie nie słyszy",
        ],
    },
    "coffee": {
        "praise": [
            "Espresso z ekspresu {p} jest lepsze niż w kawiarni pod domem",
            "Pianka z {p} jest aksamitna, w końcu latte art w domu",
            "Ekspres {p} nagrzewa się w 30 sekund, idealnie na poranki",
            "Odkąd mam {p}, nie kupuję kawy na mieście",
        ],
        "question": [
            "Jak często odkamieniacie {p}?",
            "Jaki stopień mielenia ustawiacie w {p} do ciemnego palenia?",
            "Czy {p} dobrze spienia mleko owsiane?",
        ],
        "neutral": ["Przyszedł mój {p}, pierwsza kawa się robi", "{b} wypuścił {p} w czarnym macie",
                    "Ekspres {p} w promocji w {shop} za {price}"],
        "defect": [
            "Mój {p} zaczął cieknąć od spodu po {w} tygodniach",
            "{p} ciągle wyświetla „odkamienianie”, choć właśnie to zrobiłem",
            "Młynek w {p} strasznie hałasuje",
            "Ekspres {p} wyłącza się w połowie parzenia",
        ],
    },
    "delivery": {
        "any": [
            "Zamówienie w sklepie {b} złożone {n} dni temu, a śledzenie przesyłki dalej stoi w miejscu",
            "{n} dni na „ekspresową” wysyłkę? Serio, {b}?",
            "Znowu przesunięta dostawa. {b}, podajcie w końcu datę",
            "Kurier oznaczył paczkę od {b} jako doręczoną. Nic nie dostałem",
        ],
        "audio": ["Paczka z {p} przyszła zgnieciona, słuchawki latały luzem w pudełku"],
        "coffee": ["Ekspres {p} miał być w zeszłym tygodniu. Po {n} dniach dalej nic"],
    },
    "price": {
        "any": [
            "{b} znowu podniósł ceny. Dziękuję, postoję",
            "{price} za {p}? Trochę przesada",
            "Kupiłem za {price}, tydzień później -30%. Super",
        ],
        "audio": ["{small} za zapasowe gumki do {p}? {b}, bez przesady"],
        "coffee": ["{price} za {p}, a dzbanka na mleko nawet nie ma w zestawie"],
    },
    "support": {
        "any": [
            "{wait} godziny na czacie z supportem {b} po to, żeby dostać gotową formułkę",
            "Reklamacja w {b} otwarta od {w} tygodni, zero odpowiedzi",
            "Zgłoszenie zamknięte bez odpowiedzi. Dzięki, {b}",
        ],
        "audio": ["Support {b} każe mi zresetować {p}. Zrobiłem to {n} razy"],
        "coffee": ["{b} chce, żebym odesłał cały ekspres {p} na własny koszt przez cieknącą uszczelkę"],
    },
    "news": {
        "audio": [
            ("{b} udostępnia firmware {fw} dla {p}", "Aktualizacja poprawia jakość rozmów i dodaje tryb niskich "
             "opóźnień do gier.", "neutral"),
            ("Test {p}: świetne brzmienie, przeciętna bateria", "Po dwóch tygodniach ze słuchawkami {b}: za "
             "{price} grają bardzo dobrze, ale etui jest spore.", "neutral"),
            ("Promocja: {p} za {price} w {shop}", "To jedna z najniższych cen tych słuchawek {b}.", "neutral"),
        ],
        "coffee": [
            ("Test {p}: kawa jak z kawiarni bez wysiłku", "Ekspres {b} jest prosty w obsłudze i powtarzalny, "
             "choć system mleczny wymaga wprawy.", "positive"),
        ],
    },
    "care": ["@{user} Przykro nam! Napisz do nas na DM z numerem zamówienia, sprawdzimy to od razu. – Zespół {b}"],
    "shops": ["Media Expert", "x-kom", "Media Markt", "RTV Euro AGD", "Empik"],
    "cities": ["Warszawie", "Krakowie", "Wrocławiu", "Gdańsku", "Poznaniu"],
}

PL_STORM: dict[str, Any] = {
    "defect": [
        "Etui ładujące słuchawek {p} nagrzało się tak, że nie dało się go trzymać. Teraz jest spuchnięte",
        "Bateria w etui {p} spuchła przez noc, klapka się już nie domyka",
        "Obudził mnie zapach spalonego plastiku. To było etui od {p}. Masakra",
        "Etui moich {p} jest napompowane jak poduszka. To jest niebezpieczne",
    ],
    "refund": [
        "Chcę zwrotu pieniędzy za {p}, a nie wymiany",
        "Będzie w końcu akcja serwisowa dla {p}, czy czekamy, aż ktoś się poparzy?",
        "Lumora dalej milczy w sprawie Halo. Skandal",
    ],
    "worried": ["Boję się ładować moje {p}, etui grzeje się bardziej niż zwykle",
                "Czy to dotyczy tylko niektórych partii {p}? Moje wygląda ok, ale w nocy już go nie ładuję"],
    "sarcasm": ["{p} teraz z wbudowanym grzejnikiem. Dzięki, Lumora 🙃"],
    "reply": ["U mnie to samo, etui od {p} też spuchnięte", "Też tak mam. @lumora chcę zwrot pieniędzy"],
    "extra": ["Odłączcie swoje", "To jest niebezpieczne", "Jak można coś takiego sprzedawać?",
              "Nigdy więcej Lumora"],
    "tags": ["#LumoraHalo", "#Lumora"],
    "news": [
        ("Lumora Halo: użytkownicy zgłaszają spuchnięte i przegrzewające się etui",
         "W sieci przybywa zdjęć zdeformowanych etui ładujących. Lumora zapowiada wyjaśnienie sprawy i zaleca, "
         "by nie ładować uszkodzonych egzemplarzy."),
    ],
    "statement": [
        "Wiemy o zgłoszeniach dotyczących przegrzewających się i puchnących etui ładujących {p}. Prosimy nie "
        "ładować takiego etui i skontaktować się z nami przez {site}/halo.",
    ],
    "after_pos": ["Przyszło zastępcze etui do {p}, szybko poszło. Plus dla Lumora"],
    "after_neg": ["Dalej czekam na zwrot za {p}. Już {n} dni, Lumora"],
    "relief": ["Dobrze, że wybrałem {p}. Rok użytkowania i zero problemów"],
}

PL_REDDIT: dict[str, Any] = {
    "title": {
        "pos": ["{p} po {w} tygodniach: moja opinia"], "neu": ["{p} czy {p2}?"],
        "neg": ["{p} padły po {w} tygodniach", "Uwaga na support {b}"],
        "storm": ["Sprawdźcie etui swoich {p}", "Etui od {p} mi spuchło i się przegrzało"],
    },
    "title_coffee": {"pos": ["Ekspres {p} po {w} tygodniach"], "neu": ["{p} czy {p2}?"],
                     "neg": ["Mój {p} cieknie"]},
    "intro": {
        "audio": ["Dojeżdżam godzinę dziennie i słuchawki noszę praktycznie cały czas.",
                  "Kupiłem {p} {w} tygodni temu w {shop} za {price}."],
        "coffee": ["Dwie osoby, trzy-cztery kawy dziennie.", "Przesiadłem się z kapsułek na {p} {w} tygodni temu."],
        "storm": ["Piszę, żebyście sprawdzili swoje."],
    },
    "storm_detail": ["Etui ładowało się może godzinę. Było tak gorące, że nie dało się go utrzymać w ręce."],
    "close": {"pos": ["Pytajcie śmiało."], "neu": ["Z góry dzięki!"], "neg": ["Ktoś też tak ma?"],
              "storm": ["Sprawdźcie swoje i nie ładujcie ich, jeśli coś jest nie tak."]},
}

IT: dict[str, Any] = {
    "open": {
        "pos": ["Piccola recensione.", "Devo dirlo.", "Niente, sono innamorato.", "Sorpresa del giorno."],
        "neg": ["Incredibile.", "Ma dai.", "Sfogo del giorno.", "Complimenti, davvero."],
        "neu": ["Allora.", "Aggiornamento.", "Ecco."],
        "q": ["Domanda veloce.", "Un dubbio.", "Chiedo a voi."],
    },
    "extra": {
        "pos": ["Promosso a pieni voti", "Ricomprerei subito", "Soldi ben spesi", "Contentissima",
                "Bravi {b}"],
        "neg": ["Che delusione", "Mai più", "A questo prezzo mi aspettavo di più", "{b}, svegliatevi",
                "Vergognoso"],
        "neu": ["Opinioni?", "Qualcun altro?", "Vi aggiorno", "Vediamo"],
    },
    "audio": {
        "praise": [
            "I {p} sono i migliori auricolari che abbia mai avuto a questo prezzo",
            "La cancellazione del rumore dei {p} è pazzesca, in metro non sento più niente",
            "La batteria dei {p} dura tranquillamente {hrs} ore",
            "Presi i {p} da {shop} a {price}, soddisfattissimo",
            "Per {price} i {p} suonano davvero bene",
            "I {p} non si muovono nemmeno quando corro",
        ],
        "question": [
            "Qualcuno ha provato i {p} con Android? L'app funziona bene?",
            "Valgono la pena i {p} a {price}?",
            "Come si resettano i {p}? Quello sinistro non si collega più",
        ],
        "neutral": [
            "Ho appena ordinato i {p}, vediamo",
            "Uscito il firmware {fw} per i {p}, dovrebbe migliorare le chiamate",
            "I {p} sono in offerta da {shop} a {price}",
        ],
        "defect": [
            "L'auricolare sinistro dei miei {p} si disconnette di continuo",
            "L'app di {b} crasha dall'ultimo aggiornamento",
            "Uno dei miei {p} non si carica più dopo {w} settimane",
        ],
    },
    "coffee": {
        "praise": [
            "L'espresso della mia {p} è meglio di quello del bar sotto casa, e lo dice un napoletano",
            "La crema della {p} è perfetta, estrazioni sempre costanti",
            "La {p} è pronta in 30 secondi, perfetta la mattina",
            "Il cappuccino con la {p} viene cremoso come al bar",
            "Presa la {p} da {shop} a {price}, mai stata così contenta di un acquisto",
        ],
        "question": [
            "Ogni quanto decalcificate la {p}?",
            "Che macinatura usate sulla {p} per una tostatura scura?",
            "La {p} monta bene il latte d'avena?",
            "{p} o {p2} per due persone?",
        ],
        "neutral": ["È arrivata la {p}, primo caffè in corso", "{b} lancia la {p} in nero opaco",
                    "La {p} in offerta da {shop} a {price}"],
        "defect": [
            "La mia {p} perde acqua da sotto dopo {w} settimane",
            "La {p} continua a chiedere la decalcificazione anche se l'ho appena fatta",
            "Il macinino della {p} fa un rumore tremendo",
            "La {p} si spegne a metà dell'erogazione",
        ],
    },
    "delivery": {
        "any": [
            "Ordine sullo store {b} fatto {n} giorni fa e il tracking è ancora fermo",
            "{n} giorni per una spedizione «express». Davvero, {b}?",
            "Consegna rimandata di nuovo. {b}, ditemi una data e basta",
            "Il corriere dice che il pacco {b} è stato consegnato. Non è vero",
        ],
        "audio": ["La scatola dei {p} è arrivata schiacciata, auricolari che ballavano dentro"],
        "coffee": ["La {p} doveva arrivare la settimana scorsa. Dopo {n} giorni ancora niente"],
    },
    "price": {
        "any": ["{b} ha alzato di nuovo i prezzi. No grazie", "{price}? Davvero, {b}? Un furto",
                "Pagato {price}, dopo una settimana scontato del 30%. Fantastico"],
        "audio": ["{small} per dei gommini di ricambio dei {p}, {b} non esagerate"],
        "coffee": ["{price} per la {p} e la lattiera non è nemmeno inclusa"],
    },
    "support": {
        "any": [
            "{wait} ore in attesa con l'assistenza {b} per una risposta preconfezionata",
            "Pratica di garanzia con {b} aperta da {w} settimane, nessuna risposta",
            "Ticket chiuso senza risposta. Grazie {b}",
        ],
        "audio": ["L'assistenza {b} mi dice di resettare i {p}. Fatto. {n} volte"],
        "coffee": ["{b} vuole che spedisca tutta la {p} a mie spese per una guarnizione che perde"],
    },
    "news": {
        "audio": [
            ("{b} rilascia il firmware {fw} per i {p}", "L'aggiornamento migliora la qualità delle chiamate e "
             "aggiunge una modalità a bassa latenza per il gaming.", "neutral"),
            ("Offerta: {p} a {price} su {shop}", "Uno dei prezzi più bassi mai visti per gli auricolari {b}.",
             "neutral"),
        ],
        "coffee": [
            ("Prova della {p}: espresso da bar senza fatica", "La macchina di {b} è semplice e costante, anche "
             "se il sistema latte richiede un po' di pratica.", "positive"),
            ("{b} presenta la {p} in nero opaco", "La nuova finitura costa come il modello standard, {price}.",
             "neutral"),
        ],
    },
    "care": ["@{user} Ci dispiace! Scrivici in DM il numero d'ordine e verifichiamo subito. – Assistenza {b}"],
    "shops": ["MediaWorld", "Unieuro", "Amazon", "Euronics"],
    "cities": ["Milano", "Roma", "Torino", "Bologna", "Napoli"],
}

IT_STORM: dict[str, Any] = {
    "defect": [
        "La custodia di ricarica dei miei {p} è diventata bollente, non riuscivo a tenerla in mano. Ora è gonfia",
        "La batteria nella custodia dei {p} si è gonfiata durante la notte, non si chiude più",
        "Stanotte puzza di plastica bruciata in camera. Era la custodia dei {p}. Che paura",
    ],
    "refund": ["Voglio il rimborso dei {p}, non una sostituzione",
               "Quando arriva il richiamo dei {p}? Quando qualcuno si fa male?",
               "Lumora ancora in silenzio sugli Halo. Vergognoso"],
    "worried": ["Ho paura a ricaricare i miei {p}, la custodia scalda troppo",
                "Riguarda solo alcuni lotti dei {p}? Il mio sembra a posto ma di notte non lo carico più"],
    "sarcasm": ["I {p} ora con stufetta integrata. Grazie Lumora 🙃"],
    "reply": ["Anche a me, la custodia dei {p} è gonfia", "Idem. @lumora voglio il rimborso"],
    "extra": ["Staccate i vostri", "È pericoloso", "Come si fa a vendere una cosa così?", "Mai più Lumora"],
    "tags": ["#LumoraHalo", "#Lumora"],
    "news": [
        ("Lumora Halo, utenti segnalano custodie di ricarica gonfie e surriscaldate",
         "Sui social circolano foto di custodie deformate; Lumora afferma di stare verificando e consiglia di non "
         "ricaricare le unità coinvolte."),
    ],
    "statement": [
        "Siamo a conoscenza delle segnalazioni di custodie di ricarica {p} che si surriscaldano o si gonfiano. "
        "Per sicurezza, non ricaricate la custodia interessata e contattateci su {site}/halo.",
    ],
    "after_pos": ["Arrivata la custodia sostitutiva dei {p}, velocissimi. Bene Lumora"],
    "after_neg": ["Ancora aspetto il rimborso dei {p}. {n} giorni, Lumora"],
    "relief": ["Meno male che ho preso i {p}. Un anno e zero problemi"],
}

IT_REDDIT: dict[str, Any] = {
    "title": {
        "pos": ["{p} dopo {w} settimane: la mia opinione"], "neu": ["{p} o {p2}?"],
        "neg": ["{p} rotti dopo {w} settimane", "Assistenza {b}: esperienza pessima"],
        "storm": ["Controllate la custodia dei vostri {p}"],
    },
    "title_coffee": {"pos": ["La {p} dopo {w} settimane"], "neu": ["{p} o {p2}?"], "neg": ["La mia {p} perde"]},
    "intro": {
        "audio": ["Faccio un'ora di metro al giorno e uso gli auricolari quasi sempre.",
                  "Ho preso i {p} {w} settimane fa da {shop} a {price}."],
        "coffee": ["Siamo in due, tre o quattro caffè al giorno.", "Sono passato dalle capsule alla {p}."],
        "storm": ["Scrivo perché controlliate le vostre."],
    },
    "storm_detail": ["La custodia era in carica da un'ora. Bollente, e il coperchio non si chiudeva più."],
    "close": {"pos": ["Chiedete pure."], "neu": ["Grazie in anticipo!"], "neg": ["Capita anche a voi?"],
              "storm": ["Controllate le vostre e non ricaricatele se vedete qualcosa di strano."]},
}

PT: dict[str, Any] = {
    "open": {
        "pos": ["Gente.", "Mini review.", "Preciso falar.", "Olha, que surpresa."],
        "neg": ["Que absurdo.", "Sério.", "Desabafo.", "Parabéns, viu."],
        "neu": ["Atualização.", "Bom.", "Enfim."],
        "q": ["Dúvida.", "Pergunta rápida.", "Me ajudem."],
    },
    "extra": {
        "pos": ["Recomendo demais", "Compraria de novo", "Valeu cada centavo", "Tô muito feliz", "Mandou bem, {b}"],
        "neg": ["Que decepção", "Nunca mais", "Por esse preço esperava mais", "{b}, resolve isso aí", "Ridículo"],
        "neu": ["Opiniões?", "Alguém mais?", "Depois conto", "Vamos ver"],
    },
    "audio": {
        "praise": [
            "Os {p} são os melhores fones que já tive nessa faixa de preço",
            "O cancelamento de ruído dos {p} é absurdo, no metrô não escuto nada",
            "A bateria dos {p} dura umas {hrs} horas tranquilo",
            "Comprei os {p} na {shop} por {price} e tô amando",
            "Os {p} não caem nem correndo",
            "Pelo preço, os {p} têm um som muito bom",
        ],
        "question": [
            "Alguém já usou os {p} com Android? O app é bom?",
            "Vale a pena pegar os {p} por {price}?",
            "Como reseta os {p}? O esquerdo não conecta mais",
            "{p} ou {p2} pra academia?",
        ],
        "neutral": [
            "Acabei de pedir os {p}, vamos ver",
            "Saiu o firmware {fw} pros {p}, dizem que melhora as chamadas",
            "Os {p} tão em promoção na {shop}: {price}",
        ],
        "defect": [
            "O fone esquerdo dos meus {p} desconecta toda hora",
            "O app da {b} fica travando desde a última atualização",
            "Um dos meus {p} parou de carregar depois de {w} semanas",
            "O microfone dos {p} com vento é horrível, ninguém me escuta",
        ],
    },
    "coffee": {
        "praise": [
            "O espresso da minha {p} é melhor que o da cafeteria da esquina",
            "A espuma de leite da {p} fica super cremosa",
            "A {p} fica pronta em 30 segundos, perfeita pra manhã corrida",
            "Desde que comprei a {p} parei de gastar com café na rua",
        ],
        "question": [
            "De quanto em quanto tempo vocês descalcificam a {p}?",
            "Qual moagem vocês usam na {p} pra torra escura?",
            "A {p} faz espuma com leite vegetal?",
        ],
        "neutral": ["Chegou minha {p}, primeiro café saindo", "A {b} lançou a {p} em preto fosco",
                    "A {p} tá em promoção na {shop} por {price}"],
        "defect": [
            "Minha {p} começou a vazar por baixo depois de {w} semanas",
            "A {p} fica pedindo descalcificação mesmo depois que eu faço",
            "O moedor da {p} tá fazendo um barulho horrível",
        ],
    },
    "delivery": {
        "any": [
            "Fiz o pedido na loja da {b} há {n} dias e o rastreio não sai do lugar",
            "{n} dias pra entrega «expressa». Sério, {b}?",
            "Entrega adiada de novo. {b}, me dá uma data pelo menos",
            "Pedido da {b} consta como entregue. Não chegou nada aqui",
        ],
        "audio": ["A caixa dos {p} chegou amassada, os fones soltos lá dentro"],
        "coffee": ["Minha {p} era pra ter chegado semana passada. {n} dias depois, nada"],
    },
    "price": {
        "any": ["A {b} aumentou o preço de novo. Tô fora", "{price}? Sério, {b}? Caro demais",
                "Paguei {price} e uma semana depois baixou 30%. Que ótimo"],
        "audio": ["{small} em ponteiras de reposição dos {p}? A {b} tá de brincadeira"],
        "coffee": ["{price} na {p} e nem vem a jarra de leite"],
    },
    "support": {
        "any": [
            "{wait} horas no chat do suporte da {b} pra receber resposta pronta",
            "Garantia com a {b} aberta há {w} semanas e nada",
            "Fecharam meu chamado sem responder. Valeu, {b}",
        ],
        "audio": ["Suporte da {b} manda resetar os {p}. Já fiz isso {n} vezes"],
        "coffee": ["A {b} quer que eu mande a {p} inteira por minha conta por causa de uma borracha vazando"],
    },
    "news": {
        "audio": [
            ("{b} libera firmware {fw} para os {p}", "A atualização melhora a qualidade das chamadas e traz um "
             "modo de baixa latência para jogos.", "neutral"),
            ("Review: {p} têm ótimo som e bateria mediana", "Depois de duas semanas com os fones da {b}, o som "
             "convence por {price}, mas o estojo é grandinho.", "neutral"),
            ("Oferta: {p} por {price} na {shop}", "Um dos menores preços já vistos para os fones da {b}.",
             "neutral"),
        ],
        "coffee": [
            ("Testamos a {p}: café de cafeteria sem complicação", "A máquina da {b} é fácil de usar e "
             "consistente, mas o sistema de leite exige prática.", "positive"),
        ],
    },
    "care": ["@{user} Poxa, sentimos muito! Manda o número do pedido por DM que a gente resolve. – Suporte {b}"],
    "shops": ["Amazon", "Magalu", "Kabum", "Americanas", "Fast Shop"],
    "cities": ["São Paulo", "Rio de Janeiro", "Lisboa", "Belo Horizonte", "Porto Alegre"],
}

PT_STORM: dict[str, Any] = {
    "defect": [
        "O estojo de carga dos meus {p} esquentou tanto que não dava pra segurar. Agora tá estufado",
        "A bateria do estojo dos meus {p} estufou de um dia pro outro, nem fecha mais",
        "Acordei com cheiro de plástico queimado. Era o estojo dos {p}. Que medo",
    ],
    "refund": ["Quero meu dinheiro de volta dos {p}, não troca",
               "Vai ter recall dos {p} ou vão esperar alguém se machucar?",
               "A Lumora continua calada sobre os Halo. Absurdo"],
    "worried": ["Tô com medo de carregar meus {p}, o estojo esquenta demais",
                "É só um lote dos {p}? O meu parece normal mas não carrego mais de noite"],
    "sarcasm": ["Os {p} agora vêm com aquecedor embutido. Valeu, Lumora 🙃"],
    "reply": ["Aqui também, o estojo dos meus {p} estufou", "Mesma coisa. @lumora quero reembolso"],
    "extra": ["Tirem os de vocês da tomada", "Isso é perigoso", "Como deixam vender isso?", "Nunca mais Lumora"],
    "tags": ["#LumoraHalo", "#Lumora"],
    "news": [
        ("Donos do Lumora Halo relatam estojos de carga estufados e superaquecidos",
         "Fotos de estojos deformados se espalham nas redes; a Lumora diz que investiga os casos e recomenda não "
         "carregar as unidades afetadas."),
    ],
    "statement": [
        "Estamos cientes dos relatos de estojos de carga do {p} superaquecendo e estufando. Por segurança, pare "
        "de carregar o estojo afetado e fale com a gente em {site}/halo.",
    ],
    "after_pos": ["Chegou o estojo novo dos meus {p}, foi rápido. Ponto pra Lumora"],
    "after_neg": ["Ainda esperando o reembolso dos {p}. {n} dias, Lumora"],
    "relief": ["Ainda bem que escolhi os {p}. Um ano e zero problema"],
}

PT_REDDIT: dict[str, Any] = {
    "title": {"pos": ["{p} depois de {w} semanas: vale a pena"], "neu": ["{p} ou {p2}?"],
              "neg": ["Meus {p} morreram em {w} semanas", "Cuidado com o suporte da {b}"],
              "storm": ["Conferam o estojo dos seus {p}"]},
    "title_coffee": {"pos": ["A {p} depois de {w} semanas"], "neu": ["{p} ou {p2}?"],
                     "neg": ["Minha {p} tá vazando"]},
    "intro": {
        "audio": ["Pego metrô uma hora por dia e uso fone quase o tempo todo.",
                  "Comprei os {p} há {w} semanas na {shop} por {price}."],
        "coffee": ["Somos dois em casa, uns três cafés por dia.", "Troquei a cápsula pela {p} há {w} semanas."],
        "storm": ["Tô postando pra vocês conferirem os de vocês."],
    },
    "storm_detail": ["O estojo tava carregando fazia uma hora. Quando peguei, tava fervendo e a tampa não "
                     "fechava."],
    "close": {"pos": ["Qualquer dúvida, só perguntar."], "neu": ["Valeu desde já!"],
              "neg": ["Mais alguém passou por isso?"], "storm": ["Confiram os de vocês e parem de carregar."]},
}

ZH: dict[str, Any] = {
    "open": {
        "pos": ["真心推荐！", "说实话，", "用了一段时间，", "惊喜！"],
        "neg": ["无语了。", "吐槽一下：", "服了。", "气死我了。"],
        "neu": ["更新：", "记录一下："],
        "q": ["请教一下：", "问一下，", "求助："],
    },
    "extra": {
        "pos": ["闭眼入", "真香", "值了", "很满意", "推荐给大家", "{b}这次做得不错"],
        "neg": ["太失望了", "再也不买了", "什么破体验", "{b}你们能不能上点心", "这个价格不应该这样"],
        "neu": ["有懂的吗？", "求解答", "到时候再来反馈", "大家怎么看？"],
    },
    "audio": {
        "praise": [
            "{p}降噪效果真的绝了，地铁上基本听不到声音",
            "{p}续航很顶，连续听了{hrs}个小时还有电",
            "在{shop}{price}入手的{p}，音质超出预期",
            "{p}戴着跑步一点都不掉，很稳",
            "这个价位{p}性价比很高",
            "{p}通话质量不错，马路边打电话对方也听得清",
            "{p}的通透模式很自然，戴着都忘了",
        ],
        "question": [
            "有人用{p}连安卓吗？App好用吗？",
            "{p}值得{price}入手吗？还是等新款？",
            "{p}左耳连不上怎么重置？",
            "{p}支持LDAC吗？",
            "{p}和{p2}怎么选？主要通勤用",
        ],
        "neutral": [
            "刚下单了{p}，到了再说",
            "{b}给{p}推了{fw}固件，说是提升通话降噪",
            "{shop}上{p}打折了，{price}",
            "这周试用一下{p}",
        ],
        "defect": [
            "{p}左耳老是断连，烦死了",
            "更新后{b}的App一直闪退",
            "用了{w}周，{p}有一只耳机充不进电了",
            "{p}麦克风在有风的地方基本没法用",
            "{p}充电盒的盖子已经松了",
        ],
    },
    "coffee": {
        "praise": [
            "{p}做的意式比楼下咖啡店的还好喝",
            "{p}打的奶泡很细腻，终于能在家拉花了",
            "{p}三十秒就能预热好，早上太方便了",
            "自从买了{p}，再也不点外卖咖啡了",
        ],
        "question": ["{p}多久除一次垢？", "{p}深烘豆子用什么研磨度？", "{p}打燕麦奶效果怎么样？"],
        "neutral": ["{p}到货了，第一杯正在做", "{b}出了哑光黑的{p}", "{shop}的{p}降到{price}了"],
        "defect": ["{p}用了{w}周底部开始漏水", "{p}刚除完垢还一直提示除垢", "{p}的磨豆机声音突然变得特别大"],
    },
    "delivery": {
        "any": [
            "在{b}官方商城下单{n}天了，物流还是没动",
            "说好的次日达，{n}天了还没到，{b}你们认真的吗",
            "{b}的订单显示已签收，可我根本没收到",
        ],
        "audio": ["{p}的包装盒到手都压扁了"],
        "coffee": ["{p}等了{n}天还没发货"],
    },
    "price": {
        "any": ["{p}卖{price}？有点贵了", "{b}又涨价了，不买了", "{price}买的，一周后降了30%，心态崩了"],
        "audio": ["{b}一对替换耳塞要{small}，抢钱吗"],
        "coffee": ["{p}卖{price}，连奶缸都不送"],
    },
    "support": {
        "any": [
            "{b}客服等了{wait}个小时，结果就回了一句模板话",
            "保修申请提交{w}周了，{b}一点回复都没有",
            "工单没回复就被关了，谢谢{b}",
        ],
        "audio": ["{b}客服让我重置{p}，我已经重置了{n}次了"],
        "coffee": ["{b}客服让我自费把整台{p}寄回去，就为了一个漏水的密封圈"],
    },
    "news": {
        "audio": [
            ("{b}为{p}推送{fw}固件", "此次更新提升了通话质量，并新增低延迟游戏模式。", "neutral"),
            ("{p}评测：音质出色，续航中规中矩", "在两周的使用中，{b}这款耳机在{price}价位表现出色，但充电盒略显厚重。",
             "neutral"),
            ("{p}在{shop}降至{price}", "这是该款{b}耳机迄今为止的较低价格之一。", "neutral"),
        ],
        "coffee": [
            ("{p}体验：在家也能喝到咖啡馆水准",
             "{b}这款咖啡机操作简单、出品稳定，奶泡系统需要一点时间适应。", "positive"),
        ],
    },
    "care": [],
    "shops": ["京东", "天猫", "淘宝", "拼多多"],
    "cities": ["上海", "北京", "深圳", "广州", "成都"],
}

ZH_STORM: dict[str, Any] = {
    "defect": [
        "我的{p}充电盒烫得根本拿不住，现在已经鼓包了",
        "{p}充电盒一夜之间电池鼓包，盖子都合不上了",
        "半夜闻到一股塑料烧焦的味道，原来是{p}的充电盒，太吓人了",
        "{p}的充电盒鼓得像个小枕头，这是安全隐患",
    ],
    "refund": ["{p}必须退款，我不要换新", "{p}什么时候召回？等出事吗？",
               "Lumora到现在对Halo的问题还没个说法，太离谱了"],
    "worried": ["现在都不敢给{p}充电了，充电盒发热严重", "是不是只有部分批次的{p}有问题？我的看着正常，但晚上不敢充了"],
    "sarcasm": ["{p}新功能：自带暖手宝 🙃 谢谢Lumora"],
    "reply": ["我的{p}也鼓包了", "同样的问题，@lumora 退钱"],
    "extra": ["大家赶紧检查一下", "太危险了", "这种产品怎么能卖", "再也不买Lumora了"],
    "tags": ["#LumoraHalo", "#Lumora"],
    "news": [
        ("多名用户反映Lumora Halo充电盒鼓包、过热",
         "社交平台上出现大量充电盒变形的照片，Lumora表示正在调查，并建议用户停止为受影响的设备充电。"),
    ],
    "statement": [
        "我们已关注到有关{p}充电盒过热、鼓包的反馈。如您的充电盒出现发热、鼓包或异味，请立即停止充电并通过{site}/halo联系我们。"
        "我们正在全力调查。",
    ],
    "after_pos": ["{p}的新充电盒收到了，速度挺快，Lumora这次处理还行"],
    "after_neg": ["{p}的退款等了{n}天还没到账，Lumora"],
    "relief": ["还好当初买的是{p}，用了一年一点问题都没有"],
}

JA: dict[str, Any] = {
    "open": {
        "pos": ["正直、", "これは良い。", "買ってよかった。", "レビュー。"],
        "neg": ["うーん。", "ちょっと愚痴。", "最悪。", "は？"],
        "neu": ["メモ。", "速報。"],
        "q": ["質問です。", "誰か教えて。"],
    },
    "extra": {
        "pos": ["買ってよかった", "おすすめ", "大満足", "神", "{b}いい仕事してる"],
        "neg": ["がっかり", "もう買わない", "なんとかしてほしい", "ひどい", "この値段でこれはない"],
        "neu": ["詳しい人いますか？", "また報告します", "どうなんだろう", "みんなどうしてる？"],
    },
    "audio": {
        "praise": [
            "{p}のノイキャン、電車でもほぼ無音になる。すごい",
            "{p}のバッテリー、{hrs}時間使ってもまだ余裕",
            "{shop}で{price}で買った{p}、音がかなり良くて満足",
            "{p}、ランニングしても全然落ちない",
            "この値段で{p}はコスパ最強だと思う",
            "{p}の外音取り込み、自然すぎて着けてるの忘れる",
        ],
        "question": [
            "{p}ってAndroidでも問題なく使えますか？",
            "{p}、{price}出す価値ある？",
            "{p}の左耳が接続できないんだけど、リセット方法わかる人いる？",
            "{p}と{p2}、通勤用ならどっち？",
        ],
        "neutral": [
            "{p}ポチった。届いたら感想書く",
            "{p}のファームウェア{fw}きた。通話品質が改善されるらしい",
            "{shop}で{p}がセール中、{price}",
        ],
        "defect": [
            "{p}の左耳、数分おきに接続切れる…",
            "アップデートしてから{b}のアプリが落ちまくる",
            "{p}、{w}週間で片方充電できなくなった",
            "{p}のマイク、風が強いと全然聞こえないらしい",
        ],
    },
    "coffee": {
        "praise": [
            "{p}で淹れたエスプレッソ、近所のカフェより美味しい",
            "{p}のミルクフォームがきめ細かくて最高",
            "{p}は30秒で準備できるから朝が楽",
        ],
        "question": ["{p}の除石灰ってどのくらいの頻度でやってます？", "{p}でオーツミルクって泡立ちますか？"],
        "neutral": ["{p}届いた。早速一杯目", "{b}から{p}のマットブラックが出た"],
        "defect": ["{p}、{w}週間で底から水漏れしてきた", "{p}、除石灰したばかりなのにまだ警告が出る"],
    },
    "delivery": {
        "any": [
            "{b}の公式ストアで注文して{n}日、まだ発送されない",
            "{n}日経っても届かない。{b}さんどうなってるの",
            "{b}の荷物、配達済みになってるけど届いてない",
        ],
        "audio": ["{p}の箱が潰れて届いた"],
        "coffee": ["{p}、到着予定から{n}日過ぎてもまだ来ない"],
    },
    "price": {
        "any": ["{p}が{price}は高すぎない？", "{b}また値上げか…", "{price}で買ったのに1週間後に30%オフ。つらい"],
        "audio": ["{b}の交換用イヤーピースが{small}って高すぎ"],
        "coffee": ["{p}、{price}なのにミルクピッチャーすら付いてない"],
    },
    "support": {
        "any": [
            "{b}のサポート、{wait}時間待ってテンプレ回答だけ",
            "保証の問い合わせして{w}週間、{b}から返事なし",
        ],
        "audio": ["サポートに{p}をリセットしろって言われた。もう{n}回やってる"],
        "coffee": ["{b}のサポート、パッキン1個のために{p}を自費で送れって"],
    },
    "news": {
        "audio": [
            ("{b}、{p}向けファームウェア{fw}を配信",
             "通話品質の改善に加え、ゲーム向けの低遅延モードを追加した。", "neutral"),
            ("{p}レビュー：音質は上々、バッテリーは平均的",
             "{b}の完全ワイヤレスを2週間試した。{price}としては音が良いが、"
             "ケースはやや大きい。", "neutral"),
        ],
        "coffee": [
            ("{p}を試す：手軽にカフェ品質のエスプレッソ",
             "{b}のマシンは操作が簡単で安定しているが、ミルク機能には慣れが必要。",
             "positive"),
        ],
    },
    "care": [],
    "shops": ["Amazon", "ヨドバシ", "ビックカメラ", "楽天"],
    "cities": ["東京", "大阪", "名古屋", "福岡"],
}

JA_STORM: dict[str, Any] = {
    "defect": [
        "{p}の充電ケースが熱すぎて持てなかった。しかも膨らんでる",
        "{p}のケース、一晩でバッテリーが膨張してフタが閉まらない",
        "夜中に焦げ臭いと思ったら{p}のケースだった。怖すぎる",
    ],
    "refund": ["{p}は交換じゃなくて返金してほしい", "{p}、リコールはまだ？事故が起きるまで待つの？",
               "Lumora、Haloの件でまだ何も説明なし。ありえない"],
    "worried": ["{p}を充電するのが怖い。ケースがいつもより熱い",
                "{p}、一部のロットだけなの？うちのは大丈夫そうだけど夜は充電しないことにした"],
    "sarcasm": ["{p}、カイロ機能まで付いてくるとは。ありがとうLumora 🙃"],
    "reply": ["うちの{p}も膨らんでる", "同じく。@lumora 返金して"],
    "extra": ["みんなも確認して", "危険すぎる", "これ売っちゃダメでしょ", "もうLumoraは買わない"],
    "tags": ["#LumoraHalo", "#Lumora"],
    "news": [
        ("Lumora Halo、充電ケースの膨張・過熱報告が相次ぐ",
         "SNS上で変形したケースの写真が拡散。Lumoraは調査中とし、該当製品の充電を控えるよう呼びかけている。"),
    ],
    "statement": [
        "{p}の充電ケースが過熱・膨張するとの報告を確認しています。該当するケースの充電を直ちに中止し、{site}/halo "
        "までご連絡ください。最優先で調査しています。",
    ],
    "after_pos": ["{p}の交換ケース届いた。対応早かった、Lumora"],
    "after_neg": ["{p}の返金、{n}日経ってもまだ。Lumoraさん…"],
    "relief": ["{p}にしておいて本当によかった。1年使って不具合ゼロ"],
}

TEXTS: dict[str, dict[str, Any]] = {"en": EN, "es": ES, "de": DE, "fr": FR, "pl": PL, "it": IT, "pt": PT,
                                    "zh": ZH, "ja": JA}
STORM_TEXTS: dict[str, dict[str, Any]] = {"en": EN_STORM, "es": ES_STORM, "de": DE_STORM, "fr": FR_STORM,
                                          "pl": PL_STORM, "it": IT_STORM, "pt": PT_STORM, "zh": ZH_STORM,
                                          "ja": JA_STORM}
REDDIT_TEXTS: dict[str, dict[str, Any]] = {"en": EN_REDDIT, "es": ES_REDDIT, "de": DE_REDDIT, "fr": FR_REDDIT,
                                           "pl": PL_REDDIT, "it": IT_REDDIT, "pt": PT_REDDIT}
EN_STORM_INFO = [
    "Lumora says: if your {p} case is hot or swollen, stop charging it and contact them at {site}/halo",
    "Lumora has paused {p} sales. Replacement cases and refunds via {site}/halo",
    "for anyone asking: the Lumora form for {p} refunds and replacement cases is at {site}/halo",
]
EN_STORM_CARE = [
    "@{user} We're so sorry. Please stop charging the case and request a free replacement or a refund at "
    "{site}/halo. – Lumora Care",
    "@{user} Thank you for telling us. Please unplug the case and keep it away from anything flammable; our "
    "team will contact you today. – Lumora Care",
]


# --------------------------------------------------------------------------------------------------
# Brands, rhythm and sources
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Brand:
    name: str
    category: str                                  # "audio" or "coffee": picks the text tables
    daily: float                                   # mean mentions per day before the weekly factor
    products: tuple[tuple[str, float, int], ...]   # (name, weight, price in USD)
    handle: str                                    # the official account, without "@"
    site: str
    hashtags: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]
    topics: tuple[tuple[str, float], ...]
    official_reach: int


_TOPICS_AUDIO = (("praise", 0.38), ("question", 0.20), ("neutral", 0.20), ("delivery", 0.05), ("price", 0.05),
                 ("support", 0.05), ("defect", 0.07))
BRANDS: tuple[Brand, ...] = (
    Brand("Lumora", "audio", 120, (("Lumora Halo", 0.60, 149), ("Lumora Halo Lite", 0.25, 79),
                                   ("Lumora Halo Sport", 0.15, 129)),
          "lumora", "lumora.example", ("#Lumora", "#LumoraHalo"),
          (("en", .40), ("de", .11), ("es", .10), ("fr", .08), ("pt", .07), ("it", .05), ("pl", .06), ("zh", .08),
           ("ja", .05)), _TOPICS_AUDIO, 184_000),
    Brand("Brevio", "coffee", 50, (("Brevio Uno", 0.45, 299), ("Brevio Crema 2", 0.35, 549),
                                   ("Brevio Lattea", 0.20, 799)),
          "brevio", "brevio.example", ("#Brevio", "#BrevioCoffee"),
          (("en", .26), ("de", .18), ("it", .14), ("fr", .12), ("es", .10), ("pl", .08), ("pt", .07), ("zh", .03),
           ("ja", .02)),
          (("praise", 0.42), ("question", 0.20), ("neutral", 0.20), ("delivery", 0.05), ("price", 0.04),
           ("support", 0.04), ("defect", 0.05)), 58_000),
    Brand("Vexon", "audio", 80, (("Vexon Sonic 3", 0.55, 169), ("Vexon Flow", 0.30, 89),
                                 ("Vexon Sonic Pro", 0.15, 249)),
          "vexonaudio", "vexon.example", ("#Vexon", "#VexonSonic"),
          (("en", .36), ("zh", .14), ("ja", .09), ("de", .10), ("es", .10), ("fr", .07), ("pt", .06), ("it", .04),
           ("pl", .04)), _TOPICS_AUDIO, 412_000),
)
BRAND_BY_NAME = {brand.name: brand for brand in BRANDS}
INTENT_OF_TOPIC = {"praise": "positive", "question": "neutral", "neutral": "neutral", "delivery": "negative",
                   "price": "negative", "support": "negative", "defect": "negative"}
KEY_OF_INTENT = {"positive": "pos", "neutral": "neu", "negative": "neg"}

#: Relative activity by local hour (mean 1). Coffee talk peaks in the morning, earbud talk in the evening.
DIURNAL = {
    "audio": (0.35, 0.22, 0.14, 0.10, 0.09, 0.12, 0.25, 0.50, 0.80, 0.95, 1.00, 1.08, 1.20, 1.18, 1.08, 1.05,
              1.10, 1.22, 1.38, 1.50, 1.52, 1.40, 1.05, 0.65),
    "coffee": (0.25, 0.15, 0.10, 0.08, 0.10, 0.25, 0.70, 1.30, 1.50, 1.40, 1.20, 1.10, 1.15, 1.05, 0.95, 0.95,
               1.00, 1.05, 1.10, 1.15, 1.10, 0.95, 0.70, 0.45),
}
for _name, _curve in DIURNAL.items():
    DIURNAL[_name] = tuple(value * 24 / sum(_curve) for value in _curve)
#: Relative activity by local weekday (Monday first): weekends are quieter for gadgets, busier for coffee.
WEEKLY = {"audio": (1.00, 1.03, 1.02, 1.00, 0.95, 0.82, 0.86), "coffee": (0.95, 0.95, 0.97, 0.97, 1.00, 1.20, 1.22)}
#: Where each language's speakers are (UTC offsets, standard time) and how they split.
TIMEZONES = {
    "en": ((-5, .38), (-8, .14), (0, .34), (10, .06), (5, .08)), "es": ((1, .5), (-6, .3), (-3, .2)),
    "de": ((1, 1.0),), "fr": ((1, .92), (-5, .08)), "pl": ((1, 1.0),), "it": ((1, 1.0),),
    "pt": ((-3, .75), (0, .25)), "zh": ((8, 1.0),), "ja": ((9, 1.0),),
}
SOURCE_MIX = {
    "en": (("x", .43), ("reddit", .20), ("bluesky", .15), ("mastodon", .07), ("hackernews", .11), ("rss", .04)),
    "es": (("x", .64), ("reddit", .10), ("bluesky", .14), ("mastodon", .06), ("rss", .06)),
    "de": (("x", .40), ("reddit", .15), ("bluesky", .17), ("mastodon", .22), ("rss", .06)),
    "fr": (("x", .52), ("reddit", .11), ("bluesky", .17), ("mastodon", .14), ("rss", .06)),
    "pl": (("x", .62), ("reddit", .19), ("bluesky", .06), ("mastodon", .07), ("rss", .06)),
    "it": (("x", .62), ("reddit", .13), ("bluesky", .10), ("mastodon", .09), ("rss", .06)),
    "pt": (("x", .62), ("reddit", .08), ("bluesky", .22), ("mastodon", .02), ("rss", .06)),
    "zh": (("x", .92), ("rss", .08)),
    "ja": (("x", .81), ("bluesky", .07), ("mastodon", .06), ("rss", .06)),
}
STORM_LANGS = (("en", .46), ("de", .11), ("es", .09), ("fr", .08), ("pt", .06), ("it", .05), ("pl", .05),
               ("zh", .06), ("ja", .04))
STORM_SOURCES = (("x", .56), ("bluesky", .12), ("mastodon", .06), ("reddit", .16), ("hackernews", .06))
STORM_PEAK_PER_HOUR = 58.0
#: Ordinary (non-storm) negative mentions per brand and hour never exceed this.
NEGATIVE_CAP = {"Lumora": 4, "Brevio": 3, "Vexon": 3}
LIMITS = {"x": 280, "bluesky": 300, "mastodon": 500}
CJK = frozenset({"zh", "ja"})

SUBREDDITS = {
    ("en", "audio"): ("headphones", "HeadphoneAdvice", "gadgets", "running", "BudgetAudiophile"),
    ("en", "coffee"): ("espresso", "Coffee", "BuyItForLife", "barista"),
    ("de", "audio"): ("de", "Austria", "Schweiz"), ("de", "coffee"): ("de", "Kaffee"),
    ("es", "audio"): ("es", "mexico", "argentina"), ("es", "coffee"): ("es", "mexico"),
    ("fr", "audio"): ("france", "AskFrance"), ("fr", "coffee"): ("france",),
    ("pl", "audio"): ("Polska",), ("pl", "coffee"): ("Polska",),
    ("it", "audio"): ("italy",), ("it", "coffee"): ("italy",),
    ("pt", "audio"): ("brasil", "portugal"), ("pt", "coffee"): ("brasil",),
}
MASTODON_INSTANCES = {
    "en": ("mastodon.social", "mastodon.online", "fosstodon.org", "hachyderm.io"),
    "de": ("chaos.social", "mastodon.social", "troet.cafe", "norden.social"),
    "fr": ("piaille.fr", "mastodon.social", "framapiaf.org"), "es": ("mastodon.social", "mastodon.online"),
    "it": ("mastodon.uno", "mastodon.social"), "pl": ("pol.social", "mastodon.social"),
    "pt": ("mastodon.social",), "ja": ("mstdn.jp", "fedibird.com"), "zh": ("mastodon.social",),
}
OUTLETS = {
    "en": (("GadgetWire", "gadgetwire.example"), ("The Tech Ledger", "techledger.example"),
           ("Daily Deals Hub", "dealshub.example"), ("Sound Check Weekly", "soundcheckweekly.example"),
           ("Brew & Gear", "brewgear.example")),
    "de": (("Technikwelt", "technikwelt.example"), ("Schnäppchenradar", "schnaeppchenradar.example"),
           ("Kaffeeblatt", "kaffeeblatt.example")),
    "es": (("Tecnoaldía", "tecnoaldia.example"), ("Chollos Tech", "chollostech.example")),
    "fr": (("Numérique Hebdo", "numerique-hebdo.example"), ("Les Bons Plans Tech", "bonsplans-tech.example")),
    "pl": (("Świat Gadżetów", "swiatgadzetow.example"), ("TechTydzień", "techtydzien.example")),
    "it": (("Tecnologia Oggi", "tecnologiaoggi.example"), ("Offerte Smart", "offertesmart.example")),
    "pt": (("Mundo Gadget", "mundogadget.example"), ("Promo Tech", "promotech.example")),
    "zh": (("数码周刊", "shumazhoukan.example"), ("科技前线", "kejiqianxian.example")),
    "ja": (("デジモノ日報", "dejimono-nippo.example"), ("テック速報", "tech-sokuho.example")),
}
NAMES = {
    "en": ("sam", "jess", "mike", "priya", "tom", "alex", "lauren", "dan", "kat", "omar", "ben", "zoe", "chris",
           "nina", "jordan", "ellie", "marcus", "hannah", "raj", "megan", "liam", "grace", "tyler", "aisha"),
    "de": ("jonas", "lena", "felix", "anna", "tobi", "marie", "lukas", "sarah", "nils", "julia", "max", "katrin",
           "basti", "franzi", "timo", "jule"),
    "es": ("lucia", "javi", "marta", "pablo", "sofia", "diego", "carla", "alvaro", "vale", "nacho", "ana",
           "rodri", "paula", "mateo", "fer", "andrea"),
    "fr": ("camille", "julien", "manon", "thomas", "lea", "hugo", "chloe", "antoine", "ines", "maxime", "clara",
           "romain", "lucie", "quentin"),
    "pl": ("kasia", "tomek", "ola", "bartek", "magda", "kuba", "ania", "michal", "zuza", "piotrek", "gosia",
           "wojtek"),
    "it": ("giulia", "marco", "chiara", "luca", "francesca", "andrea", "sara", "matteo", "elena", "davide",
           "marti", "ale"),
    "pt": ("joao", "mariana", "pedro", "bia", "lucas", "camila", "rafa", "ju", "gabriel", "leticia", "thiago",
           "carol"),
    "zh": ("xiaoyu", "chenwei", "linlin", "zhanghao", "momo", "ahao", "yuqi", "wangjing", "tiantian", "leoli",
           "kiki", "dabai"),
    "ja": ("yuki", "haru", "sora", "kenta", "mio", "takumi", "aoi", "riku", "hina", "shota", "nana", "kaito"),
}
HOBBIES = ("audio", "beats", "runs", "codes", "coffee", "brews", "photo", "tech", "gear", "music", "reads",
           "daily", "dev", "art", "cycles", "cooks", "plays")
PLACES = {"en": ("nyc", "ldn", "atx", "mcr", "yyz"), "de": ("bln", "hh", "muc", "koeln"),
          "es": ("mad", "bcn", "cdmx", "vlc"), "fr": ("paris", "lyon", "bzh"), "pl": ("waw", "krk", "wro"),
          "it": ("mi", "roma", "to"), "pt": ("sp", "rj", "poa", "lx"), "zh": ("sh", "bj", "sz"),
          "ja": ("tokyo", "osaka", "fuk")}
REDDIT_ADJ = ("Alarmed", "Brave", "Curious", "Dizzy", "Eager", "Fluffy", "Gentle", "Hungry", "Icy", "Jolly",
              "Lazy", "Mellow", "Nervous", "Odd", "Quiet", "Rapid", "Sleepy", "Tidy", "Witty", "Zesty")
REDDIT_NOUN = ("Fox", "Otter", "Badger", "Lake", "Pepper", "Walrus", "Comet", "Falcon", "Pumpkin", "Koala",
               "Maple", "Panda", "Raven", "Tiger", "Willow", "Anchor", "Noodle", "Pebble", "Cactus", "Heron")
EMOJI = {
    ("audio", "pos"): ("😍", "🔥", "👌", "🎧", "✨", "🙌", "💯", "👏", "😊"),
    ("coffee", "pos"): ("😍", "☕", "👌", "✨", "🙌", "💯", "😋", "😊"),
    ("audio", "neg"): ("😡", "🙄", "😤", "🤦", "😩", "👎", "💀", "😠"),
    ("coffee", "neg"): ("😡", "🙄", "😤", "🤦", "😩", "👎", "😠"),
    ("audio", "neu"): ("🤔", "👀", "🙂", "🤷", "🎧"), ("coffee", "neu"): ("🤔", "👀", "🙂", "☕"),
}
STORM_EMOJI = ("😡", "⚠️", "🔥", "😱", "🤬", "🙄", "💀")
_SLOT = re.compile(r"\{(\w+)\}")
_TERMINAL = ".!?…:。！？：；"
_TRANSLIT = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "æ": "ae", "œ": "oe"})
_B32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_X_EPOCH_MS = 1_288_834_974_657


# --------------------------------------------------------------------------------------------------
# Small helpers on one random stream. Only `random()` is used, whose sequence Python keeps stable.
# --------------------------------------------------------------------------------------------------

class Dice:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def random(self) -> float:
        return self._rng.random()

    def chance(self, p: float) -> bool:
        return self._rng.random() < p

    def below(self, n: int) -> int:
        return min(int(self._rng.random() * n), n - 1)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + self.below(high - low + 1)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._rng.random()

    def pick(self, items: Sequence[Any]) -> Any:
        return items[self.below(len(items))]

    def weighted(self, pairs: Sequence[tuple[Any, float]]) -> Any:
        total = sum(weight for _, weight in pairs)
        target = self._rng.random() * total
        for item, weight in pairs:
            target -= weight
            if target < 0:
                return item
        return pairs[-1][0]

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 200:  # never reached at the shipped scale; keeps the product below underflow
            return max(0, round(lam + math.sqrt(lam) * self.normal()))
        limit, count, product = math.exp(-lam), 0, self._rng.random()
        while product > limit:
            count += 1
            product *= self._rng.random()
        return count

    def normal(self) -> float:
        u1 = max(self._rng.random(), 1e-12)
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * self._rng.random())

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.normal())

    def digits(self, n: int) -> str:
        return str(self.between(1, 9)) + "".join(str(self.below(10)) for _ in range(n - 1))

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(alphabet[self.below(len(alphabet))] for _ in range(n))


def _fill(template: str, slots: dict[str, Any]) -> str:
    return _SLOT.sub(lambda match: str(slots[match.group(1)]), template)


def _is_emoji(char: str) -> bool:
    return ord(char) >= 0x2190 and unicodedata.category(char) in ("So", "Sk", "Mn", "Cf")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _join(parts: Sequence[str], lang: str, *, capitalize: bool = True) -> str:
    """Sentences joined as people write them: a full stop where one is missing, a capital after it."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if not out:
            out = _cap(part) if capitalize else part
            continue
        last = out[-1]
        if lang in CJK:
            if last not in _TERMINAL + "、，," and not _is_emoji(last):
                out += "。"
            out += part
            continue
        if last not in _TERMINAL + "," and not _is_emoji(last):
            out += "."
            last = "."
        out += " " + (_cap(part) if capitalize and last in ".!?…" else part)
    return out


def _end(text: str, lang: str, mark: str | None = None) -> str:
    if not text or text[-1] in _TERMINAL or _is_emoji(text[-1]):
        return text
    return text + (mark or ("。" if lang in CJK else "."))


def _sentence_case(text: str) -> str:
    """A capital after every full stop, question or exclamation mark (for English written properly)."""
    return re.sub(r"([.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), _cap(text))


def names_brand(text: str, name: str) -> bool:
    """Whether `text` names the brand as a word of its own ("@lumora", "#Lumora", "Lumora的"; not "@vexonaudio")."""
    return re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text, re.IGNORECASE) is not None


def _psych(value: float, step: int = 10) -> int:
    return max(step - 1, int(math.ceil(value / step) * step) - 1)


def price_text(dice: Dice, lang: str, usd: int) -> str:
    """The price as a person in that language would write it, in local currency."""
    if lang == "en":
        return f"${usd}" if dice.chance(0.65) else f"£{_psych(usd * 0.85)}"
    if lang in ("de", "fr", "it"):
        eur = _psych(usd * 0.95)
        forms = {"de": (f"{eur} €", f"{eur}€", f"{eur} Euro"), "fr": (f"{eur} €", f"{eur}€", f"{eur} euros"),
                 "it": (f"{eur} €", f"{eur} euro", f"€{eur}")}[lang]
        return dice.pick(forms)
    if lang == "es":
        if dice.chance(0.25):
            return f"${_psych(usd * 17.5, 100):,} MXN"
        eur = _psych(usd * 0.95)
        return dice.pick((f"{eur} €", f"{eur}€", f"{eur} euros"))
    if lang == "pl":
        return f"{_psych(usd * 4.0)} zł"
    if lang == "pt":
        return "R$ " + f"{_psych(usd * 5.6):,}".replace(",", ".")
    if lang == "zh":
        cny = _psych(usd * 7.2)
        return dice.pick((f"{cny}元", f"¥{cny}", f"{cny}块"))
    jpy = max(980, int(round(usd * 150, -3)) - 200)
    return dice.pick((f"{jpy:,}円", f"¥{jpy:,}"))


def _slug(text: str, limit: int = 48) -> str:
    text = text.translate(_TRANSLIT)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = "_".join(words)[:limit].rstrip("_")
    return slug or "post"


def _b36(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = _B36[rest] + out
    return out or "0"


def _tid(moment: datetime, clock: int) -> str:
    """A Bluesky record key: microseconds since the epoch and a clock id, base32-sortable."""
    value = (int(moment.timestamp()) * 1_000_000 + clock % 1_000_000) << 10 | (clock % 1024)
    return "".join(_B32_SORT[(value >> shift) & 31] for shift in range(60, -1, -5))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Author:
    source: str
    lang: str
    author_id: str
    handle: str
    reach: int | None
    posts: int = 0


@dataclass
class Entry:
    """A generated mention before it is written out, plus what replies and reposts need of it."""

    record: dict[str, Any]
    moment: datetime
    author: Author
    brand: str
    lang: str
    intent: str
    storm: bool = False


class Generator:
    def __init__(self, seed: int = SEED, days: int = DAYS, scale: float = 1.0, start: datetime = START) -> None:
        self.dice = Dice(seed)
        self.days = days
        self.scale = scale
        self.start = start
        self.end = start + timedelta(days=days)
        self.storm_start = start + (STORM_START - START)
        self.storm_end = self.storm_start + timedelta(hours=STORM_HOURS)
        self.entries: list[Entry] = []
        self.authors: dict[tuple[str, str], list[Author]] = defaultdict(list)
        self.handles: set[str] = set()
        self.ids: set[tuple[str, str]] = set()
        self.texts: set[str] = set()
        self.pool: dict[tuple[str, str], list[Entry]] = defaultdict(list)      # (source, brand) -> posts
        self.storm_pool: list[Entry] = []
        self.pending: list[Entry] = []
        self.reddit_threads: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.storm_threads: dict[str, dict[str, Any]] = {}
        self.hn_threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.hn_titles: dict[str, set[str]] = defaultdict(set)
        self.negatives: Counter[tuple[str, str]] = Counter()
        self.storm_story: dict[str, Any] | None = None
        self.statement: Entry | None = None
        self.officials: dict[tuple[str, str], Author] = {}

    # ---- people ---------------------------------------------------------------------------------

    def _new_handle(self, source: str, lang: str) -> str:
        dice = self.dice
        name = dice.pick(NAMES[lang])
        for _ in range(50):
            style = dice.random()
            if source == "reddit" and style < 0.45:
                sep = dice.pick(("_", "-"))
                handle = f"{dice.pick(REDDIT_ADJ)}{sep}{dice.pick(REDDIT_NOUN)}{sep}{dice.between(1000, 9999)}"
            elif source == "reddit" and style < 0.6:
                handle = f"throwaway_{dice.pick(HOBBIES)}{dice.between(10, 999)}"
            elif style < 0.3:
                handle = f"{name}_{dice.pick(HOBBIES)}"
            elif style < 0.5:
                handle = f"{name}{dice.between(1, 99):02d}"
            elif style < 0.7:
                handle = f"{name}_{dice.pick(PLACES[lang])}"
            elif style < 0.85:
                handle = f"{dice.pick(HOBBIES)}{dice.pick(('_', '', '.'))}{name}"
            else:
                handle = f"{name}{dice.pick(('x', 'o', 'y', '_'))}{dice.between(100, 9999)}"
            if source in ("x", "mastodon", "hackernews"):
                handle = handle.replace(".", "_")
            if source == "x":
                handle = handle[:15].rstrip("_")
            if source == "hackernews":
                handle = handle.replace("_", "").lower()[:14]
            if source == "bluesky":
                handle = handle.replace("_", "-").replace(".", "-").strip("-") + ".bsky.social"
            if source == "mastodon":
                handle = f"{handle}@{dice.pick(MASTODON_INSTANCES[lang])}"
            if (source, handle.lower()) not in self.handles:
                self.handles.add((source, handle.lower()))
                return handle
        raise RuntimeError("ran out of handles")

    def _reach(self, source: str) -> int | None:
        dice = self.dice
        if source == "x":
            return int(min(2_500_000, max(3, dice.lognormal(280, 1.55))))
        if source == "bluesky":
            return int(min(400_000, max(2, dice.lognormal(150, 1.35))))
        if source == "mastodon":
            return int(min(120_000, max(1, dice.lognormal(110, 1.25))))
        return None

    def _author_id(self, source: str, handle: str) -> str:
        dice = self.dice
        if source == "x":  # old accounts have short ids, newer ones snowflakes
            return dice.digits(dice.pick((8, 9, 10))) if dice.chance(0.35) else f"1{dice.between(1, 9)}" + \
                dice.chars("0123456789", 17)
        if source == "bluesky":
            return "did:plc:" + dice.chars(_B32, 24)
        if source == "mastodon":
            return "10" + dice.digits(16) if dice.chance(0.7) else dice.digits(6)
        if source == "reddit":
            return "t2_" + dice.chars(_B36, dice.pick((6, 8, 8)))
        return handle

    def author(self, source: str, lang: str) -> Author:
        pool = self.authors[(source, lang)]
        if pool and not self.dice.chance(0.72):
            # People who posted before post again; the chattier ones more often.
            return self.dice.weighted([(a, 1.0 + a.posts) for a in pool])
        handle = self._new_handle(source, lang)
        author = Author(source, lang, self._author_id(source, handle), handle, self._reach(source))
        pool.append(author)
        return author

    def special(self, source: str, lang: str, handle: str, reach: int | None) -> Author:
        key = (source, handle)
        if key not in self.officials:
            self.handles.add((source, handle.lower()))
            self.officials[key] = Author(source, lang, self._author_id(source, handle), handle, reach)
        return self.officials[key]

    def official(self, brand: Brand, lang: str = "en") -> Author:
        suffix = {"en": "", "de": "_de", "es": "_es", "fr": "_fr", "it": "_it", "pt": "_br", "pl": "_pl",
                  "zh": "_cn", "ja": "_jp"}[lang]
        reach = brand.official_reach if lang == "en" else brand.official_reach // 9
        return self.special("x", lang, brand.handle + suffix, reach)

    # ---- ids and urls ---------------------------------------------------------------------------

    def _unique(self, source: str, make) -> str:
        for _ in range(100):
            value = make()
            if (source, value) not in self.ids:
                self.ids.add((source, value))
                return value
        raise RuntimeError("ran out of ids")

    def x_id(self, moment: datetime) -> str:
        ms = int(moment.timestamp() * 1000) + self.dice.below(1000)
        return self._unique("x", lambda: str(((ms - _X_EPOCH_MS) << 22) | self.dice.below(1 << 22)))

    def mastodon_id(self, moment: datetime) -> str:
        ms = int(moment.timestamp() * 1000) + self.dice.below(1000)
        return self._unique("mastodon", lambda: str((ms << 16) | self.dice.below(1 << 16)))

    def bluesky_uri(self, author: Author, moment: datetime) -> str:
        return self._unique("bluesky", lambda: f"at://{author.author_id}/app.bsky.feed.post/"
                                               f"{_tid(moment, self.dice.below(1 << 20))}")

    def reddit_id(self, moment: datetime, kind: str) -> str:
        hours = (moment - START).total_seconds() / 3600
        if kind == "t3":
            base, rate = 3_836_000_000, 38_000
        else:
            base, rate = 51_280_000_000, 310_000
        return self._unique("reddit", lambda: f"{kind}_{_b36(int(base + hours * rate) + self.dice.below(rate))}")

    def hn_id(self, moment: datetime) -> str:
        hours = (moment - START).total_seconds() / 3600
        return self._unique("hackernews", lambda: str(47_250_000 + int(hours * 480) + self.dice.below(480)))

    # ---- engagement -----------------------------------------------------------------------------

    def engagement(self, source: str, reach: int | None, kind: str, boost: float = 1.0) -> dict[str, int]:
        dice = self.dice
        if source == "rss":
            return {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
        if source in ("x", "bluesky", "mastodon"):
            if kind == "repost":
                return {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, **({"views": 0} if source == "x" else {})}
            rate = {"x": 0.004, "bluesky": 0.007, "mastodon": 0.006}[source]
            likes = int((reach or 10) * rate * dice.lognormal(1.0, 1.1) * boost + dice.below(3))
            reposts = int(likes * dice.uniform(0.04, 0.3))
            replies = int(likes * dice.uniform(0.02, 0.2)) + (1 if dice.chance(0.3) else 0)
            quotes = int(reposts * dice.uniform(0.0, 0.3)) if source != "mastodon" else 0
            out = {"likes": likes, "reposts": reposts, "replies": replies, "quotes": quotes}
            if source == "x":
                out["views"] = int((reach or 10) * dice.uniform(0.08, 0.7) + likes * dice.uniform(20, 60))
            return out
        if source == "reddit":
            score = int(dice.lognormal(14 if kind == "post" else 3, 1.2) * boost)
            replies = int(dice.lognormal(9, 0.9) * boost) if kind == "post" else dice.below(3)
            return {"likes": score, "reposts": 0, "replies": replies, "quotes": 0}
        if kind == "story":
            points = int(dice.lognormal(18, 1.1) * boost)
            return {"likes": points, "reposts": 0, "replies": int(points * dice.uniform(0.3, 0.9)), "quotes": 0}
        return {"likes": 0, "reposts": 0, "replies": dice.below(3), "quotes": 0}

    # ---- texts ----------------------------------------------------------------------------------

    def slots(self, brand: Brand, lang: str, product: str | None = None, user: str = "") -> dict[str, Any]:
        dice = self.dice
        if product is None:
            product = dice.weighted([(name, weight) for name, weight, _ in brand.products])
        usd = next(price for name, _, price in brand.products if name == product)
        others = [name for name, _, _ in brand.products if name != product]
        table = TEXTS[lang]
        return {"p": product, "p2": dice.pick(others), "b": brand.name, "shop": dice.pick(table["shops"]),
                "city": dice.pick(table["cities"]), "price": price_text(dice, lang, usd),
                "small": price_text(dice, lang, dice.pick((19, 24, 29))), "n": dice.between(3, 12),
                "w": dice.between(2, 8), "hrs": dice.between(5, 9), "wait": dice.between(2, 4),
                "fw": f"2.{dice.between(1, 6)}.{dice.below(10)}", "site": brand.site, "user": user}

    def topic_pool(self, brand: Brand, lang: str, topic: str) -> list[str]:
        table = TEXTS[lang]
        if topic in ("delivery", "price", "support"):
            return table[topic]["any"] + table[topic][brand.category]
        return table[brand.category][topic]

    def _decorate(self, text: str, *, brand: Brand, lang: str, source: str, intent: str, casual: bool,
                  storm: bool = False) -> str:
        dice = self.dice
        key = KEY_OF_INTENT[intent]
        sep = "" if lang in CJK else " "
        if source in ("x", "bluesky", "mastodon"):
            if not casual and dice.chance(0.5):
                bang = "！" if lang in CJK else "!"
                text = _end(text, lang, bang if intent == "positive" and dice.chance(0.3) else None)
            if storm and dice.chance(0.35):
                text += sep + dice.pick(STORM_EMOJI)
            elif not storm and dice.chance(0.3):
                text += sep + dice.pick(EMOJI[(brand.category, key)])
            tags = STORM_TEXTS[lang]["tags"] if storm else brand.hashtags
            if dice.chance(0.45 if storm else 0.18):
                text += " " + dice.pick(tags)
            if source == "x" and intent == "negative" and dice.chance(0.3) and f"@{brand.handle}" not in text:
                text += f" @{brand.handle}"
        else:
            text = _end(text, lang)
        if not names_brand(text, brand.name):
            text += " " + brand.hashtags[0] if source in ("x", "bluesky", "mastodon") else ""
        if not names_brand(text, brand.name):
            text = _join([text, brand.name], lang) if lang in CJK else f"{text} ({brand.name})"
        if lang not in CJK and dice.chance(0.035):
            text = self._typo(text, brand)
        return text

    def _typo(self, text: str, brand: Brand) -> str:
        words = text.split(" ")
        spots = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()
                 and brand.name.lower() not in word.lower()]
        if not spots:
            return text
        i = self.dice.pick(spots)
        word = words[i]
        j = self.dice.between(1, len(word) - 2)
        words[i] = word[:j - 1] + word[j] + word[j - 1] + word[j + 1:]
        return " ".join(words)

    def _fresh(self, make, tries: int = 8) -> str:
        """A text nobody in the stream has written yet (a few exact repeats slip through, as in life)."""
        text = make()
        for _ in range(tries):
            if text not in self.texts:
                break
            text = make()
        self.texts.add(text)
        return text

    def social_text(self, brand: Brand, lang: str, source: str, topic: str, *, reply_to: str | None = None) -> str:
        dice = self.dice
        table = TEXTS[lang]
        intent = INTENT_OF_TOPIC[topic]
        key = KEY_OF_INTENT[intent]
        opener_key = "q" if topic == "question" else key
        pool = self.topic_pool(brand, lang, topic)
        casual = lang == "en" and source in ("x", "bluesky", "mastodon") and dice.chance(0.45)
        limit = LIMITS.get(source, 10_000)

        def make() -> str:
            for attempt in range(6):
                parts = []
                if reply_to is None and dice.chance(0.28) and attempt < 3:
                    parts.append(dice.pick(table["open"][opener_key]))
                parts.append(dice.pick(pool))
                if dice.chance(0.38) and attempt < 3:
                    parts.append(dice.pick(table["extra"][key]))
                text = _fill(_join(parts, lang, capitalize=not casual), self.slots(brand, lang))
                if lang == "en" and not casual:
                    text = _sentence_case(text)
                if casual and text[:1].isupper() and dice.chance(0.6) and not text.startswith(brand.name):
                    text = text[:1].lower() + text[1:]
                text = self._decorate(text, brand=brand, lang=lang, source=source, intent=intent, casual=casual)
                if reply_to:
                    text = f"@{reply_to.split('@')[0]} {text}"
                if len(text) <= limit:
                    return text
            return text[:limit]

        return self._fresh(make)

    def storm_text(self, lang: str, source: str, kind: str, *, reply_to: str | None = None) -> str:
        dice = self.dice
        brand = BRAND_BY_NAME[STORM_BRAND]
        table = STORM_TEXTS[lang]
        casual = lang == "en" and source in ("x", "bluesky", "mastodon") and dice.chance(0.5)
        pool = EN_STORM_INFO if kind == "info" else table[kind]
        intent = "neutral" if kind == "info" else "negative"

        def make() -> str:
            parts = [dice.pick(pool)]
            if kind != "info" and dice.chance(0.4):
                parts.append(dice.pick(table["extra"]))
            slots = self.slots(brand, lang, STORM_PRODUCT)
            text = _fill(_join(parts, lang, capitalize=not casual), slots)
            if lang == "en" and not casual:
                text = _sentence_case(text)
            if source in ("x", "bluesky", "mastodon"):
                text = self._decorate(text, brand=brand, lang=lang, source=source, intent=intent, casual=casual,
                                      storm=True)
            else:
                text = _end(text, lang)
            if reply_to:
                text = f"@{reply_to.split('@')[0]} {text}"
            return text[:LIMITS.get(source, 10_000)]

        return self._fresh(make)

    def reddit_post_text(self, brand: Brand, lang: str, group: str, *, storm: bool = False) -> str:
        """A title and a body: a few lines, or several paragraphs for the long ones."""
        dice = self.dice
        table = REDDIT_TEXTS[lang]
        slots = self.slots(brand, lang, STORM_PRODUCT if storm else None)
        titles = table["title"] if storm or brand.category == "audio" else table["title_coffee"]
        title = _fill(dice.pick(titles["storm" if storm else group]), slots)
        if storm:
            stext = STORM_TEXTS[lang]
            intro = dice.pick(table["intro"]["storm"])
            details = [dice.pick(table["storm_detail"])]
            details += [dice.pick(stext["defect"]), dice.pick(stext["refund"] + stext["worried"])]
            if lang == "en":
                details.insert(1, dice.pick(table["storm_detail"]))
            close = dice.pick(table["close"]["storm"])
            paragraphs = [intro, _join([_end(d, lang) for d in details[:2]], lang),
                          _join([_end(d, lang) for d in details[2:]], lang), close]
        else:
            # One storyline per post: what they like, what they wonder, or what broke and how support reacted.
            long = dice.chance(0.4 if lang == "en" else 0.25)
            plans = {"pos": ("praise",) * 7, "neu": ("question", "neutral") * 4,
                     "neg": ("defect", "defect", "support", "defect", "support", "defect", "support")}
            plan = plans[group] if long else (dice.pick(("defect", "delivery", "price", "support"))
                                              if group == "neg" else plans[group][0],)
            cores: list[str] = []
            for topic in plan[:7 if lang == "en" else 4]:
                pool = [c for c in self.topic_pool(brand, lang, topic) if c not in cores]
                if pool:
                    cores.append(dice.pick(pool))
            # Each sentence gets its own numbers; the product, its price and the shop stay the same. After the
            # first sentence people often drop the brand from the product's name ("the Halo", "die Uno").
            short = slots["p"].split(" ", 1)[1]
            cores = [_fill(core, {**self.slots(brand, lang, slots["p"]), "price": slots["price"], "p2": slots["p2"],
                                  "shop": slots["shop"], "p": short if i and dice.chance(0.5) else slots["p"]})
                     for i, core in enumerate(cores)]
            intro = dice.pick(table["intro"][brand.category])
            close = dice.pick(table["close"][group])
            if long and lang == "en":
                # The long ones: some context, three paragraphs of experience, and the usual edit.
                intros = [intro, *[i for i in table["intro"][brand.category] if i != intro][:1]]
                paragraphs = [_join(intros if dice.chance(0.5) else [intro], lang),
                              _join([_end(c, lang) for c in cores[:3]], lang),
                              _join([_end(c, lang) for c in cores[3:5]], lang),
                              _join([_end(c, lang) for c in cores[5:]], lang), close]
                if dice.chance(0.4):
                    paragraphs.append(dice.pick(table["edit"]))
            elif long:
                paragraphs = [intro, _join([_end(c, lang) for c in cores[:2]], lang),
                              _join([_end(c, lang) for c in cores[2:]], lang), close]
            else:
                paragraphs = [_join([_end(cores[0], lang), close], lang)]
        body = "\n\n".join(_fill(p, slots) for p in paragraphs)
        if lang == "en":
            body = "\n\n".join(_sentence_case(p) for p in body.split("\n\n"))
        text = f"{title}\n\n{body}"
        if not names_brand(text, brand.name):
            text += f"\n\n({brand.name})"
        return self._fresh(lambda: text, tries=0)

    # ---- emitting -------------------------------------------------------------------------------

    def emit(self, *, brand: Brand, lang: str, source: str, moment: datetime, author: Author, text: str,
             intent: str, topic: str, kind: str, phase: str, external_id: str, url: str | None,
             thread_id: str | None = None, parent_id: str | None = None, engagement: dict[str, int] | None = None,
             language: str | bool | None = True, extra_raw: dict[str, Any] | None = None,
             pool: bool = True) -> Entry:
        if language is True:
            language = self._api_language(source, lang)
        raw = {"demo_intent": intent, "demo_topic": topic, "demo_lang": lang, "demo_kind": kind, "demo_phase": phase}
        raw.update(extra_raw or {})
        record = {
            "source": source, "external_id": external_id, "url": url, "author_id": author.author_id,
            "author_handle": author.handle, "author_reach": author.reach, "text": text, "language": language,
            "created_at": _iso(moment), "brand": brand.name,
            "engagement": engagement if engagement is not None else self.engagement(source, author.reach, kind),
            "thread_id": thread_id, "parent_id": parent_id, "raw": raw,
        }
        author.posts += 1
        if phase == "normal" and intent == "negative":
            self.negatives[(brand.name, moment.strftime("%Y%m%d%H"))] += 1
        entry = Entry(record, moment, author, brand.name, lang, intent, storm=phase == "storm")
        self.entries.append(entry)
        if pool and kind in ("post", "reply"):
            self.pending.append(entry)
        return entry

    def _api_language(self, source: str, lang: str) -> str | None:
        if source == "x":
            return "und" if self.dice.chance(0.015) else lang
        if source == "bluesky":
            return None if self.dice.chance(0.1) else lang
        if source == "mastodon":
            return None if self.dice.chance(0.05) else lang
        return None

    def social(self, brand: Brand, lang: str, source: str, moment: datetime, *, text: str, intent: str,
               topic: str, phase: str, author: Author | None = None, parent: Entry | None = None,
               boost: float = 1.0, extra_raw: dict[str, Any] | None = None) -> Entry:
        """A post or reply on X, Bluesky or Mastodon."""
        author = author or self.author(source, lang)
        if parent is not None and moment <= parent.moment:
            moment = parent.moment + timedelta(seconds=self.dice.between(40, 1500))
        kind = "reply" if parent is not None else "post"
        thread_id = parent_id = None
        if parent is not None:
            parent_id = parent.record["external_id"]
            thread_id = parent.record["thread_id"] or parent_id
        if source == "x":
            external_id = self.x_id(moment)
            url = f"https://x.com/{author.handle}/status/{external_id}"
        elif source == "mastodon":
            external_id = self.mastodon_id(moment)
            user, instance = author.handle.split("@")
            url = f"https://{instance}/@{user}/{external_id}"
        else:
            external_id = self.bluesky_uri(author, moment)
            url = f"https://bsky.app/profile/{author.handle}/post/{external_id.rsplit('/', 1)[1]}"
        return self.emit(brand=brand, lang=lang, source=source, moment=moment, author=author, text=text,
                         intent=intent, topic=topic, kind=kind, phase=phase, external_id=external_id, url=url,
                         thread_id=thread_id, parent_id=parent_id,
                         engagement=self.engagement(source, author.reach, kind, boost), extra_raw=extra_raw)

    def repost(self, original: Entry, moment: datetime, phase: str) -> Entry:
        author = self.author("x", original.lang)
        if moment <= original.moment:
            moment = original.moment + timedelta(seconds=self.dice.between(30, 1800))
        text = f"RT @{original.author.handle}: {original.record['text']}"
        if len(text) > 140:
            text = text[:139].rstrip() + "…"
        external_id = self.x_id(moment)
        return self.emit(brand=BRAND_BY_NAME[original.brand], lang=original.lang, source="x", moment=moment,
                         author=author, text=text, intent=original.intent,
                         topic=original.record["raw"]["demo_topic"], kind="repost", phase=phase,
                         external_id=external_id, url=f"https://x.com/{author.handle}/status/{external_id}",
                         language=original.record["language"],
                         extra_raw={"demo_repost_of": original.record["external_id"]})

    def reddit(self, brand: Brand, lang: str, moment: datetime, *, group: str, intent: str, topic: str,
               phase: str, storm: bool = False, comment_text: str | None = None) -> Entry:
        """A Reddit post, or a comment in a recent thread of the same brand and language."""
        dice = self.dice
        if storm:
            thread = self.storm_threads.get(lang)
        else:
            recent = [t for t in self.reddit_threads[(brand.name, lang)]
                      if timedelta(0) < moment - t["moment"] < timedelta(hours=72)]
            thread = dice.weighted([(t, 1.0 + t["comments"]) for t in recent]) if recent and dice.chance(0.7) \
                else None
        if thread is None:
            sub = dice.pick(SUBREDDITS[(lang, brand.category)])
            if storm:
                sub = {"en": "headphones", "de": "de", "es": "es", "fr": "france", "pl": "Polska", "it": "italy",
                       "pt": "brasil"}[lang]
            text = self.reddit_post_text(brand, lang, "storm" if storm else group, storm=storm)
            post_id = self.reddit_id(moment, "t3")
            slug = _slug(text.split("\n", 1)[0])
            author = self.author("reddit", lang)
            thread = {"id": post_id, "sub": sub, "slug": slug, "moment": moment, "comments": 0, "ids": [post_id]}
            (self.storm_threads.__setitem__(lang, thread) if storm
             else self.reddit_threads[(brand.name, lang)].append(thread))
            return self.emit(brand=brand, lang=lang, source="reddit", moment=moment, author=author, text=text,
                             intent=intent if not storm else "negative", topic=topic, kind="post", phase=phase,
                             external_id=post_id,
                             url=f"https://www.reddit.com/r/{sub}/comments/{post_id[3:]}/{slug}/",
                             engagement=self.engagement("reddit", None, "post", 6.0 if storm else 1.0),
                             pool=False)
        if moment <= thread["moment"]:
            moment = thread["moment"] + timedelta(seconds=dice.between(60, 2400))
        comment_id = self.reddit_id(moment, "t1")
        parent_id = thread["ids"][0] if dice.chance(0.6) or len(thread["ids"]) == 1 else dice.pick(thread["ids"][1:])
        thread["comments"] += 1
        thread["ids"].append(comment_id)
        author = self.author("reddit", lang)
        text = comment_text or self.social_text(brand, lang, "reddit", topic)
        return self.emit(brand=brand, lang=lang, source="reddit", moment=moment, author=author, text=text,
                         intent=intent, topic=topic, kind="comment", phase=phase, external_id=comment_id,
                         thread_id=thread["id"], parent_id=parent_id,
                         url=f"https://www.reddit.com/r/{thread['sub']}/comments/{thread['id'][3:]}/{thread['slug']}/"
                             f"{comment_id[3:]}/",
                         engagement=self.engagement("reddit", None, "comment", 2.0 if storm else 1.0), pool=False)

    def hackernews(self, brand: Brand, moment: datetime, *, intent: str, phase: str, storm: bool = False) -> Entry:
        dice = self.dice
        slots = self.slots(brand, "en", STORM_PRODUCT if storm else None)
        story = self.storm_story if storm else None
        if not storm:
            threads = self.hn_threads[brand.name]
            recent = [s for s in threads if timedelta(0) < moment - s["moment"] < timedelta(hours=72)]
            unused = [t for t in EN_HN["story"][brand.category] if t[0] not in self.hn_titles[brand.name]]
            if recent and (not unused or not dice.chance(0.05)):
                story = dice.pick(recent)
            elif not unused and threads:
                story = threads[-1]
            elif unused:
                story = None
            else:
                intent = "neutral"
        if story is None:
            title, intent = dice.pick(unused)
            self.hn_titles[brand.name].add(title)
            title = _fill(title, slots)
            story_id = self.hn_id(moment)
            author = self.author("hackernews", "en")
            story = {"id": story_id, "moment": moment, "ids": [story_id]}
            self.hn_threads[brand.name].append(story)
            return self.emit(brand=brand, lang="en", source="hackernews", moment=moment, author=author,
                             text=self._fresh(lambda: title, tries=0), intent=intent, topic="news", kind="story",
                             phase=phase, external_id=story_id,
                             url=f"https://news.ycombinator.com/item?id={story_id}",
                             engagement=self.engagement("hackernews", None, "story"), pool=False)
        if moment <= story["moment"]:
            moment = story["moment"] + timedelta(seconds=dice.between(60, 1800))
        if storm:
            pool = EN_HN["storm_neu"] if intent == "neutral" else EN_HN["storm_neg"]
        else:
            prefix = "coffee_" if brand.category == "coffee" else ""
            pool = EN_HN[prefix + KEY_OF_INTENT[intent]]

        def make() -> str:
            first = dice.pick(pool)
            text = _fill(first, slots)
            if dice.chance(0.3) and not storm:
                second = dice.pick(pool)
                if second != first:
                    text += " " + _fill(second, slots)
            return text

        text = self._fresh(make)
        if not names_brand(text, brand.name):
            text += f" (re {brand.name})"
        comment_id = self.hn_id(moment)
        parent_id = story["ids"][0] if dice.chance(0.55) or len(story["ids"]) == 1 else dice.pick(story["ids"][1:])
        story["ids"].append(comment_id)
        author = self.author("hackernews", "en")
        return self.emit(brand=brand, lang="en", source="hackernews", moment=moment, author=author, text=text,
                         intent=intent, topic="defect" if storm else "discussion", kind="comment", phase=phase,
                         external_id=comment_id, thread_id=story["id"], parent_id=parent_id,
                         url=f"https://news.ycombinator.com/item?id={comment_id}",
                         engagement=self.engagement("hackernews", None, "comment"), pool=False)

    def article(self, brand: Brand, lang: str, moment: datetime, *, headline: str, summary: str, intent: str,
                topic: str, phase: str) -> Entry:
        dice = self.dice
        outlets = OUTLETS[lang]
        if brand.category == "audio" and lang == "en":
            outlets = outlets[:4]
        name, domain = dice.pick(outlets)
        author = self.special("rss", lang, name, None)
        author.author_id = f"https://{domain}/feed"
        slug = _slug(headline, 60)
        if slug == "post":
            slug = "article"
        url = self._unique("rss", lambda: f"https://{domain}/{moment:%Y/%m/%d}/{slug.replace('_', '-')}-"
                                          f"{dice.between(10000, 99999)}")
        text = f"{headline}\n\n{summary}"
        self.texts.add(text)
        return self.emit(brand=brand, lang=lang, source="rss", moment=moment, author=author, text=text,
                         intent=intent, topic=topic, kind="article", phase=phase, external_id=url, url=url,
                         engagement=self.engagement("rss", None, "article"), pool=False)

    # ---- normal days ----------------------------------------------------------------------------

    def rate(self, brand: Brand, lang: str, moment: datetime) -> float:
        """Expected mentions of `brand` in `lang` during the hour starting at `moment`."""
        share = dict(brand.languages)[lang]
        total = 0.0
        for offset, weight in TIMEZONES[lang]:
            local = moment + timedelta(hours=offset)
            weekday = local.weekday()
            hour = local.hour
            if weekday >= 5:
                hour = (hour - 1) % 24  # weekends start later
            total += weight * DIURNAL[brand.category][hour] * WEEKLY[brand.category][weekday]
        return brand.daily * self.scale * share * total / 24

    def normal_mention(self, brand: Brand, lang: str, moment: datetime) -> None:
        dice = self.dice
        mix = SOURCE_MIX[lang]
        if brand.category == "coffee":
            mix = tuple((s, w * (0.2 if s == "hackernews" else 1.0)) for s, w in mix)
        source = dice.weighted(mix)
        topic = dice.weighted(brand.topics)
        # Ordinary complaints arrive at random, but a calm hour never piles up more than a handful of them:
        # only the storm should look like a spike to the detector.
        full = self.negatives[(brand.name, moment.strftime("%Y%m%d%H"))] >= NEGATIVE_CAP[brand.name]
        if full and INTENT_OF_TOPIC[topic] == "negative":
            topic = dice.weighted([(t, w) for t, w in brand.topics if INTENT_OF_TOPIC[t] != "negative"])
        intent = INTENT_OF_TOPIC[topic]
        phase = "normal"
        if source == "rss":
            def make() -> str:
                headline, summary, intent = dice.pick(TEXTS[lang]["news"][brand.category])
                slots = self.slots(brand, lang)
                text = f"{_fill(headline, slots)}\n\n{_fill(summary, slots)}"
                return f"{intent}|{text.replace('块', '元')}"

            article = None
            for _ in range(8):
                intent_text = make()
                if intent_text.split("|", 1)[1] not in self.texts:
                    article = intent_text
                    break
            if article is not None:
                intent, text = article.split("|", 1)
                headline, summary = text.split("\n\n", 1)
                self.article(brand, lang, moment, headline=headline, summary=summary, intent=intent, topic="news",
                             phase=phase)
                return
            source = "x"
        if source == "hackernews":
            intent = dice.weighted((("positive", .25), ("neutral", .45), ("negative", .30)))
            intent = "neutral" if full and intent == "negative" else intent
            self.hackernews(brand, moment, intent=intent, phase=phase)
            return
        if source == "reddit":
            self.reddit(brand, lang, moment, group=KEY_OF_INTENT[intent], intent=intent, topic=topic, phase=phase)
            return
        if source == "x" and dice.chance(0.035):
            candidates = [e for e in self.pool[("x", brand.name)]
                          if timedelta(0) < moment - e.moment < timedelta(hours=24)
                          and e.record["raw"]["demo_kind"] == "post" and not (full and e.intent == "negative")]
            if candidates:
                original = dice.weighted([(e, 1.0 + e.record["engagement"]["likes"]) for e in candidates])
                self.repost(original, moment, phase)
                return
        parent = None
        if dice.chance(0.13):
            candidates = [e for e in self.pool[(source, brand.name)]
                          if e.lang == lang and timedelta(0) < moment - e.moment < timedelta(hours=48)
                          and e.record["raw"]["demo_topic"] != "support_reply"]
            parent = dice.pick(candidates) if candidates else None
        text = self.social_text(brand, lang, source, topic,
                                reply_to=parent.author.handle if parent is not None and source != "bluesky" else None)
        entry = self.social(brand, lang, source, moment, text=text, intent=intent, topic=topic, phase=phase,
                            parent=parent)
        if intent == "negative" and source == "x" and TEXTS[lang]["care"] and dice.chance(0.25):
            self.care(brand, lang, entry)

    def care(self, brand: Brand, lang: str, complaint: Entry, storm: bool = False) -> None:
        """The brand's support account answers a complaint some time later."""
        dice = self.dice
        moment = complaint.moment + timedelta(minutes=dice.between(25, 480))
        if moment >= self.end:
            return
        pool = EN_STORM_CARE if storm else TEXTS[lang]["care"]
        slots = self.slots(brand, lang, user=complaint.author.handle)
        text = self._fresh(lambda: _fill(dice.pick(pool), slots))
        self.social(brand, lang, "x", moment, text=text, intent="neutral", topic="support_reply",
                    phase="storm" if storm else "normal", author=self.official(brand, lang), parent=complaint)

    def promo(self, brand: Brand, moment: datetime) -> None:
        dice = self.dice
        slots = self.slots(brand, "en")
        text = self._fresh(lambda: _fill(dice.pick(EN["promo"][brand.category]), slots))
        if not names_brand(text, brand.name):
            text += " " + brand.hashtags[0]
        self.social(brand, "en", "x", moment, text=text, intent="neutral", topic="promo", phase="normal",
                    author=self.official(brand))

    # ---- the storm ------------------------------------------------------------------------------

    def storm_rate(self, hours_in: float) -> float:
        if hours_in < 0 or hours_in >= STORM_HOURS:
            return 0.0
        peak = STORM_PEAK_PER_HOUR * self.scale
        if hours_in < 6:
            return peak * ((hours_in + 0.5) / 6.5) ** 1.7
        return peak * math.exp(-(hours_in - 6) / 5.0)

    def storm_langs(self, moment: datetime) -> list[tuple[str, float]]:
        """Languages weighted by their share and by whether their speakers are awake."""
        out = []
        for lang, weight in STORM_LANGS:
            awake = 0.0
            for offset, share in TIMEZONES[lang]:
                hour = (moment + timedelta(hours=offset)).hour
                awake += share * DIURNAL["audio"][hour] / max(DIURNAL["audio"])
            out.append((lang, weight * (0.35 + 0.65 * awake)))
        return out

    def storm_mention(self, moment: datetime) -> None:
        dice = self.dice
        brand = BRAND_BY_NAME[STORM_BRAND]
        lang = dice.weighted(self.storm_langs(moment))
        source = dice.weighted(STORM_SOURCES)
        if source == "hackernews" and (lang != "en" or self.storm_story is None
                                       or moment <= self.storm_story["moment"]):
            source = "x"
        if source == "reddit" and lang not in REDDIT_TEXTS:
            source = "x"
        kind = dice.weighted((("defect", .38), ("refund", .20), ("worried", .16), ("sarcasm", .10),
                              ("reply", .16)))
        if lang == "en" and self.statement is not None and moment > self.statement.moment and dice.chance(0.1):
            kind = "info"
        intent = "neutral" if kind == "info" else "negative"
        topic = {"refund": "refund", "info": "statement"}.get(kind, "defect")
        if source == "hackernews":
            self.hackernews(brand, moment, intent="neutral" if dice.chance(0.2) else "negative", phase="storm",
                            storm=True)
            return
        if source == "reddit":
            kind = "defect" if kind in ("info", "reply") else kind
            text = self.storm_text(lang, "reddit", kind)
            self.reddit(brand, lang, moment, group="neg", intent="negative",
                        topic="refund" if kind == "refund" else "defect", phase="storm", storm=True,
                        comment_text=text)
            return
        if source == "x" and dice.chance(0.24) and self.storm_pool:
            posts = [e for e in self.storm_pool if e.record["source"] == "x" and e.moment < moment
                     and e.record["raw"]["demo_kind"] == "post"]
            same = [e for e in posts if e.lang == lang] or posts
            if same:
                original = dice.weighted([(e, 1.0 + e.record["engagement"]["likes"]) for e in same])
                self.repost(original, moment, "storm")
                return
        parent = None
        if kind == "reply":
            candidates = [e for e in self.storm_pool if e.record["source"] == source and e.moment < moment
                          and (e.lang == lang or (e.author.reach or 0) > 100_000)]
            if candidates:
                parent = dice.weighted([(e, 1.0 + e.record["engagement"]["likes"]) for e in candidates])
            else:
                kind = "defect"
        reply_to = parent.author.handle if parent is not None and source != "bluesky" else None
        text = self.storm_text(lang, source, kind, reply_to=reply_to)
        entry = self.social(brand, lang, source, moment, text=text, intent=intent, topic=topic, phase="storm",
                            parent=parent, boost=2.5)
        self.storm_pool.append(entry)
        if (source == "x" and lang == "en" and intent == "negative" and self.statement is not None
                and moment > self.statement.moment and dice.chance(0.1)):
            self.care(brand, lang, entry, storm=True)

    def storm_schedule(self) -> list[tuple[datetime, Any]]:
        """The storm's fixed events: the viral post, threads, official statements and news articles."""
        at = self.storm_start
        brand = BRAND_BY_NAME[STORM_BRAND]
        events: list[tuple[datetime, Any]] = []

        def origin() -> None:
            author = self.special("x", "en", "gearbyhollis", 486_200)
            text = ("Ok this is scary. My Lumora Halo charging case got so hot on the charger I couldn't hold it, "
                    "and now it's visibly swollen. Unplugged it and put it on the balcony. If you own one, check "
                    "yours. @lumora what is going on? #LumoraHalo")
            self.texts.add(text)
            moment = at + timedelta(minutes=7, seconds=12)
            entry = self.social(brand, "en", "x", moment, text=text, intent="negative", topic="defect",
                                phase="storm", author=author,
                                extra_raw={"demo_note": "the post that goes viral"})
            entry.record["engagement"] = {"likes": 48_213, "reposts": 12_906, "replies": 3_118, "quotes": 2_407,
                                          "views": 5_840_112}
            self.storm_pool.append(entry)

        def reddit_psa() -> None:
            self.reddit(brand, "en", at + timedelta(hours=1, minutes=21, seconds=40), group="neg",
                        intent="negative", topic="defect", phase="storm", storm=True)

        def hn_story() -> None:
            moment = at + timedelta(hours=2, minutes=42, seconds=5)
            story_id = self.hn_id(moment)
            self.storm_story = {"id": story_id, "moment": moment, "ids": [story_id]}
            title = EN_HN["storm_story"]
            self.texts.add(title)
            self.emit(brand=brand, lang="en", source="hackernews", moment=moment,
                      author=self.special("hackernews", "en", "cellchemist", None), text=title, intent="negative",
                      topic="defect", kind="story", phase="storm", external_id=story_id,
                      url=f"https://news.ycombinator.com/item?id={story_id}",
                      engagement={"likes": 612, "reposts": 0, "replies": 388, "quotes": 0}, pool=False)

        def statement(lang: str, index: int, delay: timedelta) -> Any:
            def run() -> None:
                slots = self.slots(brand, lang, STORM_PRODUCT)
                text = _fill(STORM_TEXTS[lang]["statement"][index], slots)
                self.texts.add(text)
                entry = self.social(brand, lang, "x", at + delay, text=text, intent="neutral", topic="statement",
                                    phase="storm", author=self.official(brand, lang), boost=8.0)
                self.storm_pool.append(entry)
                if lang == "en" and index == 0:
                    self.statement = entry
            return run

        def news(lang: str, index: int, delay: timedelta) -> Any:
            def run() -> None:
                headline, summary = STORM_TEXTS[lang]["news"][index]
                self.article(brand, lang, at + delay, headline=headline, summary=summary, intent="neutral",
                             topic="news", phase="storm")
            return run

        events.append((at + timedelta(minutes=7), origin))
        events.append((at + timedelta(hours=1, minutes=21), reddit_psa))
        events.append((at + timedelta(hours=2, minutes=42), hn_story))
        # (language, which statement, hours and minutes after the storm began)
        for lang, index, hours, minutes in (("en", 0, 7, 34), ("de", 0, 8, 10), ("fr", 0, 8, 25), ("es", 0, 8, 40),
                                            ("it", 0, 8, 55), ("pt", 0, 9, 5), ("ja", 0, 9, 20), ("zh", 0, 10, 10),
                                            ("pl", 0, 17, 30), ("en", 1, 19, 5)):
            delay = timedelta(hours=hours, minutes=minutes)
            events.append((at + delay, statement(lang, index, delay)))
        for lang, index, hours in (("en", 0, 4.3), ("en", 2, 8.0), ("en", 1, 19.6), ("en", 3, 25.0), ("de", 0, 5.7),
                                   ("de", 1, 20.2), ("es", 0, 6.5), ("es", 1, 21.0), ("fr", 0, 6.1), ("it", 0, 7.2),
                                   ("pt", 0, 8.0), ("pl", 0, 18.5), ("zh", 0, 12.0), ("ja", 0, 11.5)):
            delay = timedelta(seconds=int(hours * 3600) + 17 * index + 41)
            events.append((at + delay, news(lang, index, delay)))
        return events

    def precursors(self) -> list[tuple[datetime, Any]]:
        """A few early, isolated complaints on days 7 to 10 that nobody picked up."""
        brand = BRAND_BY_NAME[STORM_BRAND]
        at = self.storm_start
        texts = (
            (timedelta(days=-3, hours=5, minutes=12), "en", "x", "neutral",
             "anyone else's Lumora Halo case get kind of warm on the charger? normal?"),
            (timedelta(days=-2, hours=7, minutes=40), "de", "mastodon", "neutral",
             "Das Ladecase meiner Lumora Halo wird beim Laden ziemlich warm. Ist das normal?"),
            (timedelta(days=-1, hours=2, minutes=5), "en", "bluesky", "negative",
             "my Lumora Halo case doesn't close properly anymore and it feels warm after charging. hmm"),
            (timedelta(hours=-4, minutes=-30), "en", "x", "negative",
             "@lumora my Halo case has a gap at the hinge and gets hot when charging. is this a known issue?"),
        )
        events = []
        for delay, lang, source, intent, text in texts:
            def run(delay=delay, lang=lang, source=source, intent=intent, text=text) -> None:
                self.texts.add(text)
                self.social(brand, lang, source, at + delay, text=text, intent=intent, topic="defect",
                            phase="precursor")
            events.append((at + delay, run))
        return events

    def relief_mention(self, moment: datetime) -> None:
        dice = self.dice
        brand = BRAND_BY_NAME["Vexon"]
        lang = dice.weighted((("en", .5), ("de", .1), ("es", .1), ("fr", .06), ("zh", .1), ("ja", .08),
                              ("pt", .03), ("it", .03)))
        source = dice.weighted((("x", .75), ("bluesky", .15), ("mastodon", .1)))
        if lang in ("zh",):
            source = "x"
        slots = self.slots(brand, lang)
        text = self._fresh(lambda: self._decorate(_fill(dice.pick(STORM_TEXTS[lang]["relief"]), slots), brand=brand,
                                                  lang=lang, source=source, intent="positive", casual=lang == "en"))
        self.social(brand, lang, source, moment, text=text, intent="positive", topic="praise", phase="storm_relief")

    def aftermath_mention(self, moment: datetime) -> None:
        dice = self.dice
        brand = BRAND_BY_NAME[STORM_BRAND]
        lang = dice.weighted(self.storm_langs(moment))
        positive = dice.chance(0.4)
        pool = STORM_TEXTS[lang]["after_pos" if positive else "after_neg"]
        source = dice.weighted((("x", .7), ("bluesky", .15), ("mastodon", .15)))
        slots = self.slots(brand, lang, STORM_PRODUCT)
        intent = "positive" if positive else "negative"
        text = self._fresh(lambda: self._decorate(_fill(dice.pick(pool), slots), brand=brand, lang=lang,
                                                  source=source, intent=intent, casual=False))
        self.social(brand, lang, source, moment, text=text, intent=intent,
                    topic="replacement" if positive else "refund", phase="aftermath")

    # ---- the whole stream -----------------------------------------------------------------------

    def run(self) -> list[dict[str, Any]]:
        dice = self.dice
        scheduled: list[tuple[datetime, Any]] = []
        if self.storm_start + timedelta(hours=STORM_HOURS) <= self.end:
            scheduled = sorted(self.precursors() + self.storm_schedule(), key=lambda item: item[0])
        hours = self.days * 24
        for hour in range(hours):
            moment = self.start + timedelta(hours=hour)
            for _when, action in [item for item in scheduled if moment <= item[0] < moment + timedelta(hours=1)]:
                action()
            for brand in BRANDS:
                for lang, _ in brand.languages:
                    for _ in range(dice.poisson(self.rate(brand, lang, moment))):
                        self.normal_mention(brand, lang, moment + timedelta(seconds=dice.below(3600)))
                lumora_quiet = brand.name == STORM_BRAND and bool(scheduled) and moment >= self.storm_start
                if moment.hour == 15 and not lumora_quiet and dice.chance(0.6):
                    self.promo(brand, moment + timedelta(minutes=dice.between(0, 150)))
            if scheduled:
                hours_in = (moment - self.storm_start).total_seconds() / 3600
                for _ in range(dice.poisson(self.storm_rate(hours_in))):
                    first = 8 * 60 if hours_in == 0 else 0
                    self.storm_mention(moment + timedelta(seconds=dice.between(first, 3599)))
                if 3 <= hours_in < STORM_HOURS:
                    for _ in range(dice.poisson(0.8 * self.scale)):
                        self.relief_mention(moment + timedelta(seconds=dice.below(3600)))
                after = (moment - self.storm_end).total_seconds() / 3600
                if after >= 0:
                    hour_of_day = DIURNAL["audio"][moment.hour] / max(DIURNAL["audio"])
                    lam = 1.6 * self.scale * math.exp(-after / 30) * (0.4 + 0.6 * hour_of_day)
                    for _ in range(dice.poisson(lam)):
                        self.aftermath_mention(moment + timedelta(seconds=dice.below(3600)))
            for entry in self.pending:
                self.pool[(entry.record["source"], entry.brand)].append(entry)
            self.pending.clear()
        records = [e.record for e in self.entries if self.start <= e.moment < self.end]
        records.sort(key=lambda r: (r["created_at"], r["source"], r["external_id"]))
        return records


# --------------------------------------------------------------------------------------------------
# Files and summaries
# --------------------------------------------------------------------------------------------------

def generate(seed: int = SEED, days: int = DAYS, scale: float = 1.0, start: datetime = START) -> list[dict[str, Any]]:
    """The stream as a list of JSON-ready dicts, sorted by `created_at`."""
    return Generator(seed=seed, days=days, scale=scale, start=start).run()


def dumps(records: Sequence[dict[str, Any]]) -> bytes:
    lines = (json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for record in records)
    return ("\n".join(lines) + "\n").encode("utf-8")


def write(records: Sequence[dict[str, Any]], path: Path) -> None:
    """gzip with a fixed mtime and no file name in the header, so the bytes depend only on the records."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as archive:
        archive.write(dumps(records))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def load(path: Path = SHIPPED) -> list[dict[str, Any]]:
    """The records of a stream file (the shipped one by default)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def summarize(records: Sequence[dict[str, Any]], start: datetime = START) -> dict[str, Any]:
    """Counts the README and the demo show: per brand, source, language, day, and the storm by hour."""
    by_day: dict[str, Counter[int]] = defaultdict(Counter)
    negative_by_day: dict[str, Counter[int]] = defaultdict(Counter)
    storm_hours: Counter[str] = Counter()
    lumora_negative_hours: Counter[str] = Counter()
    for record in records:
        moment = datetime.fromisoformat(record["created_at"])
        day = (moment - start).days + 1
        by_day[record["brand"]][day] += 1
        if record["raw"]["demo_intent"] == "negative":
            negative_by_day[record["brand"]][day] += 1
            if record["brand"] == STORM_BRAND:
                lumora_negative_hours[record["created_at"][:13]] += 1
        if record["raw"]["demo_phase"] == "storm":
            storm_hours[record["created_at"][:13]] += 1
    return {
        "total": len(records),
        "brands": Counter(r["brand"] for r in records),
        "sources": Counter(r["source"] for r in records),
        "languages": Counter(r["raw"]["demo_lang"] for r in records),
        "api_languages": Counter(r["language"] or "null" for r in records),
        "intents": {b.name: Counter(r["raw"]["demo_intent"] for r in records if r["brand"] == b.name)
                    for b in BRANDS},
        "phases": Counter(r["raw"]["demo_phase"] for r in records),
        "kinds": Counter(r["raw"]["demo_kind"] for r in records),
        "by_day": by_day,
        "negative_by_day": negative_by_day,
        "storm_hours": storm_hours,
        "lumora_negative_hours": lumora_negative_hours,
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def readme(records: Sequence[dict[str, Any]], *, seed: int, days: int, scale: float, size: int) -> str:
    s = summarize(records)
    brands = [b.name for b in BRANDS]
    day_rows = []
    for day in range(1, days + 1):
        date = (START + timedelta(days=day - 1)).strftime("%a %Y-%m-%d")
        day_rows.append([day, date, *[f"{s['by_day'][b][day]} ({s['negative_by_day'][b][day]})" for b in brands]])
    window = sorted(h for h in s["storm_hours"])
    storm_rows = [[f"{h[:10]} {h[11:13]}:00", s["storm_hours"][h], s["lumora_negative_hours"][h]] for h in window]
    brand_rows = [[b.name, b.category, ", ".join(name for name, _, _ in b.products), f"@{b.handle}",
                   " ".join(b.hashtags), f"{b.daily:g}", s["brands"][b.name],
                   " / ".join(str(s["intents"][b.name][i]) for i in ("negative", "neutral", "positive"))]
                  for b in BRANDS]
    command = (f"python -m brandpulse.demo.generate --seed {seed} --out brandpulse/demo/data/stream.jsonl.gz "
               "--readme brandpulse/demo/data/README.md")
    if days != DAYS or scale != 1.0:
        command += f" --days {days} --scale {scale:g}"
    return f"""# The demo's sample stream

`stream.jsonl.gz` is what `brandpulse demo` replays: {s['total']} invented brand mentions over {days} days,
starting {START:%Y-%m-%d} 00:00 UTC (a Monday; the demo shifts it in simulated time). It is written by
`brandpulse/demo/generate.py`, seeded and byte-for-byte reproducible ({size:,} bytes gzipped):

```
{command}
```

Seed {seed}. Standard library only. Everything here is fictional: brands, people, handles, ids, outlets
(news sites live on `.example` domains); URLs follow the real sites' patterns with made-up ids.

## Brands

{_table(["brand", "category", "products", "account", "hashtags", "base/day", "mentions",
         "intended neg / neu / pos"], brand_rows)}

Every text contains its brand's name (or a handle or hashtag that contains it).

## The storm

Only Lumora. Day {STORM_DAY} ({STORM_START:%a %Y-%m-%d}): the storm begins at {STORM_START:%H:%M} UTC; at
{STORM_START + timedelta(minutes=7):%H:%M} a reviewer's post (486k followers) about a Lumora Halo charging case
that overheated and swelled goes viral. Mentions ramp up for six hours, peak
between {STORM_PEAK:%H:%M} and {STORM_PEAK + timedelta(hours=1):%H:%M} UTC, then decay; the storm is over at
{STORM_END:%Y-%m-%d %H:%M} UTC ({STORM_HOURS} h). It runs in all nine languages: angry, worried, refund and
recall demands, sarcasm, replies and reposts of the viral post, a Reddit megathread, a Hacker News thread,
news articles and Lumora's statements (21:34 UTC on day 10; sales paused and refunds offered 09:05 UTC on
day 11). Before it, four isolated early complaints (days 7 to 10) that nobody picked up; after it, a
decaying tail of "replacement arrived" and "still waiting for my refund" posts. Brevio and Vexon keep their
normal profile throughout; Vexon gets {s['phases']['storm_relief']} relieved, positive "glad I picked Vexon" posts
during the storm.

Storm lines per hour (`raw.demo_phase == "storm"`) and all of Lumora's negative-intent lines in that hour:

{_table(["hour (UTC)", "storm lines", "Lumora negative"], storm_rows)}

## Counts

Per source: {", ".join(f"{k} {v}" for k, v in s['sources'].most_common())}.

Per language (the text's language, `raw.demo_lang`): {", ".join(f"{k} {v}" for k, v in s['languages'].most_common())}.
The `language` field is what the source's API reports: X, Bluesky and Mastodon give a code (X
sometimes `und`, Bluesky and Mastodon sometimes nothing), Reddit, Hacker News and RSS give none.

Per kind: {", ".join(f"{k} {v}" for k, v in s['kinds'].most_common())}. Reposts (`RT @...`, X only,
`raw.demo_repost_of` names the original) are the only deliberate exact repeats. Ordinary complaints come
at random (Poisson) but never more than {NEGATIVE_CAP['Brevio']} an hour for Brevio and Vexon,
{NEGATIVE_CAP['Lumora']} for Lumora, so that only the storm looks like a spike.

Per day and brand, all lines (negative-intent lines in brackets):

{_table(["day", "date", *brands], day_rows)}

## Fields

One JSON object per line, keys sorted, lines in `created_at` order: `source`, `external_id` (unique per
source: snowflake-like numbers for X and Mastodon, `t3_`/`t1_` base36 for Reddit, `at://` URIs for
Bluesky, item numbers for Hacker News, the article URL for RSS), `url`, `author_id`, `author_handle`,
`author_reach` (followers; null where the source has none), `text`, `language`, `created_at` (ISO 8601,
UTC), `brand` (the brand the line was generated for: a hint only), `engagement` (`likes`, `reposts`,
`replies`, `quotes`, and `views` on X), `thread_id` and `parent_id` (replies and comments), and `raw`:
`demo_intent` (negative, neutral, positive: what the text was written to say), `demo_topic`,
`demo_lang`, `demo_kind` (post, reply, comment, repost, story, article) and `demo_phase` (normal,
precursor, storm, storm_relief, aftermath). The pipeline ignores `raw` and scores the text with the
model.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brandpulse.demo.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--days", type=int, default=DAYS, help="days to generate (the storm needs 11)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every rate (0.2 for a quick sample)")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    parser.add_argument("--readme", type=Path, default=None, help="also write the README with the counts here")
    args = parser.parse_args(argv)
    if args.days < 1 or args.scale <= 0:
        parser.error("--days must be at least 1 and --scale positive")
    records = generate(seed=args.seed, days=args.days, scale=args.scale)
    write(records, args.out)
    size = args.out.stat().st_size
    if args.readme is not None:
        args.readme.parent.mkdir(parents=True, exist_ok=True)
        args.readme.write_text(readme(records, seed=args.seed, days=args.days, scale=args.scale, size=size),
                               encoding="utf-8")
    print(f"wrote {len(records)} mentions to {args.out} ({size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
