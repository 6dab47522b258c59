"""Realistic, entirely fictional patients for demos, tests and benchmarks.

Names come from several naming traditions because the people Lantern serves do; birth
dates are often missing or estimated, some patients are minors, many have aliases. The
generator is deterministic for a given seed and touches no database.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from lantern.patients.choices import AliasKind, BirthDateKind, GenderIdentity, SexAtBirth

# (given names feminine, given names masculine, family names, language)
NAMING_TRADITIONS: dict[str, tuple[list[str], list[str], list[str], str]] = {
    "hispanic": (
        [
            "María",
            "Guadalupe",
            "Lucía",
            "Ximena",
            "Valentina",
            "Yesenia",
            "Rocío",
            "Itzel",
            "Marisol",
            "Daniela",
            "Araceli",
            "Juana",
            "Sofía",
            "Beatriz",
            "Flor",
        ],
        ["José", "Luis", "Juan", "Carlos", "Jesús", "Miguel", "Alejandro", "Héctor", "Rafael"],
        [
            "González",
            "Hernández",
            "López",
            "Martínez",
            "Rodríguez",
            "Pérez",
            "Sánchez",
            "Ramírez",
            "Flores",
            "Gómez",
            "Díaz",
            "Reyes",
            "Cruz",
            "Morales",
            "Ortiz",
            "Gutiérrez",
            "Chávez",
            "Ramos",
            "Ruiz",
            "Vásquez",
            "Castillo",
            "Jiménez",
            "Mendoza",
            "Aguilar",
        ],
        "es",
    ),
    "anglo": (
        [
            "Jessica",
            "Ashley",
            "Brittany",
            "Amber",
            "Crystal",
            "Samantha",
            "Destiny",
            "Kayla",
            "Emily",
            "Hannah",
            "Megan",
            "Courtney",
            "Heather",
            "Tiffany",
            "Jasmine",
        ],
        ["Michael", "Tyler", "Brandon", "Joshua", "Dylan", "Austin", "Kevin", "Cody"],
        [
            "Smith",
            "Johnson",
            "Williams",
            "Brown",
            "Jones",
            "Miller",
            "Davis",
            "Wilson",
            "Anderson",
            "Taylor",
            "Thomas",
            "Moore",
            "Jackson",
            "White",
            "Harris",
            "Clark",
        ],
        "en",
    ),
    "vietnamese": (
        ["Thị Lan", "Ngọc Anh", "Thu Hà", "Mai", "Hồng", "Linh", "Phương", "Thảo", "Trang"],
        ["Văn Minh", "Đức", "Quang", "Hùng", "Tuấn"],
        ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"],
        "vi",
    ),
    "chinese": (
        ["Li Na", "Xiaoyan", "Mei", "Jing", "Hui", "Yan", "Fang", "Xiu Ying", "Lei"],
        ["Wei", "Jun", "Hao", "Ming", "Tao"],
        ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"],
        "zh",
    ),
    "korean": (
        ["Ji-woo", "Seo-yeon", "Min-ji", "Ha-eun", "Soo-jin", "Eun-ji", "Yuna"],
        ["Min-jun", "Ji-hoon", "Hyun-woo", "Dong-hyun"],
        ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"],
        "ko",
    ),
    "filipino": (
        ["Maricel", "Jocelyn", "Rowena", "Analyn", "Jhoanna", "Rhea", "Marites", "Liezl"],
        ["Jomar", "Rodel", "Arnel", "Jun-Jun"],
        [
            "Santos",
            "Reyes",
            "Cruz",
            "Bautista",
            "Ocampo",
            "Garcia",
            "Mendoza",
            "Dela Cruz",
            "Villanueva",
            "Castro",
            "Aquino",
        ],
        "tl",
    ),
    "haitian": (
        ["Nadège", "Fabiola", "Mirlande", "Guerline", "Roseline", "Widline", "Nathalie"],
        ["Jean-Baptiste", "Wilner", "Frantz", "Jean-Claude"],
        [
            "Joseph",
            "Pierre",
            "Jean",
            "Louis",
            "Charles",
            "Saint-Fleur",
            "Baptiste",
            "Célestin",
            "Desir",
            "Étienne",
        ],
        "ht",
    ),
    "eastern_european": (
        [
            "Olena",
            "Natalia",
            "Irina",
            "Oksana",
            "Svetlana",
            "Ioana",
            "Andreea",
            "Yulia",
            "Tetiana",
            "Mariana",
            "Ekaterina",
        ],
        ["Andriy", "Dmitri", "Vasile", "Oleksandr", "Mihai"],
        [
            "Kovalenko",
            "Shevchenko",
            "Bondarenko",
            "Popescu",
            "Ionescu",
            "Ivanova",
            "Petrova",
            "Melnyk",
            "Tkachenko",
            "Constantinescu",
            "Sokolova",
        ],
        "uk",
    ),
    "west_african": (
        [
            "Blessing",
            "Joy",
            "Precious",
            "Chiamaka",
            "Ngozi",
            "Adaeze",
            "Folake",
            "Funmilayo",
            "Aisha",
            "Esther",
            "Favour",
        ],
        ["Chinedu", "Emeka", "Oluwaseun", "Tunde"],
        [
            "Okafor",
            "Okonkwo",
            "Adeyemi",
            "Balogun",
            "Eze",
            "Nwosu",
            "Ogunleye",
            "Obi",
            "Adebayo",
            "Osagie",
            "Igbinedion",
        ],
        "en",
    ),
    "arabic": (
        ["Fatima", "Aisha", "Mariam", "Layla", "Noor", "Yasmin", "Huda", "Salma", "Rania"],
        ["Mohammed", "Ahmed", "Omar", "Youssef", "Karim"],
        [
            "Al-Sayed",
            "Haddad",
            "Mansour",
            "Khalil",
            "Nasser",
            "Saleh",
            "Hamdan",
            "Aziz",
            "Abdullah",
            "Farouk",
        ],
        "ar",
    ),
    "south_asian": (
        ["Priya", "Anjali", "Pooja", "Sunita", "Kavita", "Deepa", "Sita", "Maya", "Asha"],
        ["Rahul", "Amit", "Ravi", "Sanjay"],
        ["Sharma", "Patel", "Singh", "Kumar", "Gurung", "Thapa", "Tamang", "Shrestha", "Das"],
        "ne",
    ),
    "thai": (
        ["Somchai", "Malee", "Siriporn", "Pranee", "Nong", "Kanya", "Ratana", "Achara"],
        ["Somsak", "Anan", "Niran"],
        ["Saetang", "Srisuk", "Chaiyaporn", "Wongsawat", "Rattanakorn", "Boonmee"],
        "th",
    ),
    "guatemalan_maya": (
        ["Rosa", "Juana", "Santos", "Manuela", "Petrona", "Ixchel", "Candelaria"],
        ["Baltazar", "Diego", "Tomás"],
        ["Tzoc", "Xicará", "Ixcoy", "Tzul", "Chávez", "Cux", "Batz", "Quiej", "Us"],
        "mam",
    ),
}

STREET_NAMES = [
    "Candy",
    "Star",
    "Diamond",
    "Honey",
    "Angel",
    "Cherry",
    "Baby",
    "Princess",
    "Mercedes",
    "Lexi",
    "Coco",
    "Roxy",
    "Bambi",
    "Destiny",
    "Sunny",
    "Luna",
    "Jade",
    "Cinnamon",
    "Kitty",
    "Paris",
    "Chyna",
    "Precious",
    "Skye",
    "Brandy",
    "Mimi",
    "Dulce",
    "Estrella",
    "Nena",
]
TRADITION_WEIGHTS = [22, 20, 7, 6, 4, 6, 6, 7, 7, 5, 4, 3, 3]


@dataclass(frozen=True)
class SyntheticPatient:
    preferred_name: str
    legal_name: str
    aliases: tuple[tuple[str, str], ...]
    birth_date_kind: str
    birth_date: datetime.date | None
    estimated_age: int | None
    sex_at_birth: str
    gender_identity: str
    pronouns: str
    preferred_language: str
    interpreter_needed: bool
    mrn: str


def _age(rng: random.Random) -> int:
    # Mostly young adults; about one in eight under 18.
    if rng.random() < 0.12:
        return rng.randint(12, 17)
    return min(75, int(rng.triangular(18, 60, 24)))


def _identity(rng: random.Random) -> tuple[str, str, str]:
    roll = rng.random()
    if roll < 0.80:
        return SexAtBirth.FEMALE, GenderIdentity.WOMAN, "she/her"
    if roll < 0.89:
        return SexAtBirth.MALE, GenderIdentity.MAN, "he/him"
    if roll < 0.93:
        return SexAtBirth.MALE, GenderIdentity.TRANSGENDER_WOMAN, "she/her"
    if roll < 0.95:
        return SexAtBirth.FEMALE, GenderIdentity.TRANSGENDER_MAN, "he/him"
    if roll < 0.97:
        return (
            rng.choice([SexAtBirth.FEMALE, SexAtBirth.MALE]),
            GenderIdentity.NON_BINARY,
            "they/them",
        )
    return SexAtBirth.UNKNOWN, GenderIdentity.DECLINED, ""


def synthetic_patient(
    rng: random.Random, today: datetime.date, number: int, seed: int = 0
) -> SyntheticPatient:
    tradition = rng.choices(list(NAMING_TRADITIONS), weights=TRADITION_WEIGHTS)[0]
    feminine, masculine, families, language = NAMING_TRADITIONS[tradition]
    sex, gender, pronouns = _identity(rng)
    given_pool = (
        masculine if gender in {GenderIdentity.MAN, GenderIdentity.TRANSGENDER_MAN} else feminine
    )
    given = rng.choice(given_pool)
    family = rng.choice(families)
    if tradition == "hispanic" and rng.random() < 0.5:
        family = f"{family} {rng.choice(families)}"
    family_first = tradition in {"vietnamese", "chinese", "korean"}
    full = f"{family} {given}" if family_first else f"{given} {family}"
    legal = full if rng.random() < 0.7 else ""
    preferred = given.split()[-1] if rng.random() < 0.35 else full
    aliases: list[tuple[str, str]] = []
    for _ in range(rng.choices([0, 1, 2, 3], weights=[40, 35, 18, 7])[0]):
        if rng.random() < 0.7:
            aliases.append((rng.choice(STREET_NAMES), AliasKind.STREET))
        else:
            other = rng.choice(families)
            aliases.append((f"{rng.choice(given_pool)} {other}", AliasKind.DOCUMENT))
    age = _age(rng)
    roll = rng.random()
    birth_date = estimated = None
    if roll < 0.65:
        kind = BirthDateKind.EXACT
        birth_date = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
    elif roll < 0.85:
        kind, estimated = BirthDateKind.ESTIMATED, age
    else:
        kind = BirthDateKind.UNKNOWN
    return SyntheticPatient(
        preferred_name=preferred,
        legal_name=legal,
        aliases=tuple(dict.fromkeys(aliases)),
        birth_date_kind=kind,
        birth_date=birth_date,
        estimated_age=estimated,
        sex_at_birth=sex,
        gender_identity=gender,
        pronouns=pronouns,
        preferred_language=language if rng.random() < 0.8 else "en",
        interpreter_needed=language != "en" and rng.random() < 0.6,
        mrn=f"S{seed % 10000:04d}-{number:07d}" if rng.random() < 0.6 else "",
    )


def synthetic_patients(count: int, seed: int, today: datetime.date) -> Iterator[SyntheticPatient]:
    rng = random.Random(seed)  # noqa: S311 (fictional data, not security)
    for number in range(count):
        yield synthetic_patient(rng, today, number, seed)
