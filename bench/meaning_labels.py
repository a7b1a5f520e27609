"""The labelled set of bench_meaning: 40 pictures (prompt, caption) each with a query that paraphrases it the way
someone remembers a picture, and 160 more pictures around them (same subjects, other scenes) as distractors."""

from __future__ import annotations

# (prompt, caption, paraphrased query); the query shares as few words with its picture as a person naturally would.
TARGETS: list[tuple[str, str, str]] = [
    ("a small dog running along a sandy beach", "a dog running on the beach", "the puppy by the sea"),
    (
        "a red sports car parked in a neon-lit city at night",
        "a red car on a street",
        "crimson racer downtown after dark",
    ),
    ("a steaming bowl of ramen with chopsticks", "a bowl of noodles", "hot noodle soup"),
    ("snowy mountain peaks under a starry sky", "mountains at night", "alps covered in white beneath the stars"),
    ("an astronaut riding a horse on the moon", "a man on a horse", "spaceman on horseback in lunar landscape"),
    ("a cozy library with leather armchairs and a fireplace", "a room with books", "reading room with a fire burning"),
    ("a cat sleeping on a windowsill in the afternoon sun", "a cat on a window", "kitty napping by the window"),
    ("a lighthouse on a cliff during a storm", "a lighthouse in the rain", "beacon tower battered by a tempest"),
    ("a bustling market with fruit stalls in Marrakesh", "a market with fruit", "busy bazaar selling oranges"),
    ("a watercolor painting of tulips in a vase", "flowers in a vase", "aquarelle of spring blooms"),
    (
        "an old steam locomotive crossing a stone viaduct",
        "a train on a bridge",
        "vintage railway engine on an arched bridge",
    ),
    ("a child flying a kite in a green meadow", "a kid with a kite", "little girl playing with a kite in a field"),
    ("a hot air balloon over a desert canyon", "a balloon in the sky", "floating over red rock gorges"),
    ("a robot watering plants in a greenhouse", "a robot with plants", "android gardener tending seedlings"),
    ("a jazz band playing in a smoky bar", "people playing music", "saxophone players in a dim club"),
    ("a koi pond with lily pads in a Japanese garden", "fish in a pond", "goldfish among water lilies"),
    ("a medieval castle on a hill at sunrise", "a castle on a hill", "fortress at dawn"),
    (
        "a glass teapot with blooming tea on a wooden table",
        "a teapot on a table",
        "flowering tea brewing in a clear pot",
    ),
    ("a paper boat floating in a rain puddle", "a boat in water", "origami ship in a puddle"),
    ("two owls perched on a snowy branch", "two birds on a branch", "pair of night birds in winter"),
    ("a surfer riding a huge wave at sunset", "a man surfing", "catching a big swell in the evening"),
    ("a bowl of fresh strawberries and cream", "a bowl of fruit", "berries with whipped topping"),
    ("an elephant walking through the savanna", "an elephant in a field", "big grey animal on the African plains"),
    ("a vintage typewriter on a desk with coffee", "a typewriter", "old writing machine and a cup of joe"),
    ("a neon sign reading open in a rainy alley", "a sign in an alley", "glowing shop sign on a wet night street"),
    ("a polar bear on an ice floe", "a bear on ice", "white bear drifting in the arctic"),
    ("a chef tossing vegetables in a flaming wok", "a man cooking", "stir fry with fire in a kitchen"),
    ("a treehouse in an old oak forest", "a house in a tree", "cabin built among branches in the woods"),
    ("a violin resting on sheet music", "a violin", "fiddle lying on a score"),
    ("a field of sunflowers under a blue sky", "a field of flowers", "yellow blossoms stretching to the horizon"),
    ("a scuba diver exploring a coral reef", "a person underwater", "diving among colourful corals"),
    ("a snowman wearing a red scarf in a village square", "a snowman", "frosty figure with a scarf in town"),
    ("a fox curled up asleep in autumn leaves", "a fox in leaves", "red fox napping on fallen foliage"),
    ("a skyscraper reflected in a glass facade", "a tall building", "tower mirrored in windows"),
    ("a bicycle leaning against a yellow wall in Italy", "a bike by a wall", "bike parked on a sunny italian street"),
    ("a stack of pancakes with maple syrup", "pancakes on a plate", "breakfast flapjacks drenched in syrup"),
    ("a wolf howling at the full moon", "a wolf", "canine calling to the moon at night"),
    ("a sailboat on a calm lake at dawn", "a boat on a lake", "yacht on still water early in the morning"),
    ("a firefighter carrying a kitten from a burning house", "a man with a cat", "rescue of a small cat from a fire"),
    ("a chess board mid-game in a sunlit park", "a chess board", "game of chess outdoors"),
]

SUBJECTS = ["a horse", "a teacup", "a bridge", "a bird", "a musician", "a boat", "a house", "a garden"]
SCENES = [
    "in a snowy forest",
    "on a city rooftop",
    "in a quiet museum",
    "at a train station",
    "in a foggy harbor",
    "on a mountain road",
    "in a kitchen",
    "under neon lights",
    "in a wheat field",
    "by a waterfall",
    "in a desert town",
    "at a carnival",
    "in a library",
    "on a frozen lake",
    "in a rainforest",
    "at a wedding",
    "in a laboratory",
    "on a balcony",
    "in a subway car",
    "at a farm",
]


def distractors() -> list[tuple[str, str]]:
    """160 other pictures: every subject in every scene, captioned plainly."""
    return [(f"{subject} {scene}", f"{subject} {scene.split(' ', 1)[1]}") for subject in SUBJECTS for scene in SCENES]
