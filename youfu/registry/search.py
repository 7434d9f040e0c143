"""The registry's one search box: name, pinyin, initials, ID number (or its tail), phone.

Each kind of query reads one index range in the order its results are shown, so the
first page costs about the same whether five or fifty thousand people match, on SQLite
and on PostgreSQL alike (``bench/bench_search.py``: a million people). Prefixes are
ranges (``name >= '张' AND name < '弡'``), which a plain btree index serves on both
databases, where a LIKE would not: SQLite's is case-insensitive, and PostgreSQL's needs a
pattern opclass outside the C collation, which cannot give the order.

- A Han name prefix: by name (and birth date among namesakes), from the index on
  ``(name, birth_date)``, or ``(township, name, birth_date)`` for a township's clerk.
- Letters that only pinyin can start ("li", "zhangwei"): by pinyin, from its index.
  Letters that only initials can start ("zs", "wxy"): by initials, from theirs. Letters
  that may be either ("wang", "zh"): by pinyin when nobody's initials start so (asked in
  one more query, except for a single letter), else by initials, walking that index over
  the first letter, which holds both (a name's pinyin and initials start alike). Telling
  them apart by the letters holds for names of Han characters; a name that mixes in Latin
  letters may be found by its pinyin only, or by its initials only.
- A whole ID number: its blind index. Its last 4–6 characters: the readable last four,
  then the few candidates decrypted; digits also match phone tails, through an index on
  the phone's last four.
- Digits: a phone prefix (by phone), or the whole number.

Without query text people are listed by township and name, as the model orders them.
A township's or a village's clerk sees one township: the equality on it is added, so the
indexes led by the township hold their people side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Case, CharField, Func, Q, QuerySet, When
from django.db.models.sql.compiler import SQLCompiler

from youfu.accounts.models import User
from youfu.core.crypto import decrypt
from youfu.core.idnumber import normalize_id_number
from youfu.core.scope import region_prefix
from youfu.core.text import compact
from youfu.registry.models import Beneficiary
from youfu.registry.selectors import beneficiaries_for
from youfu.registry.services import id_number_index

# Queries personal-data models without visible_to(user), and says why (scripts/check-scope.py):
SCOPE_TRUSTED = (
    "a selector: search_beneficiaries starts from the user's scoped queryset; the qualification"
    " subquery only narrows it"
)

_HAN = re.compile(r"[\u3400-\u9fff]")
BY_NAME = ("name", "birth_date", "pk")
BY_INITIALS = ("name_initials", "name_pinyin", "township_id", "pk")
BY_PINYIN = ("name_pinyin", "pk")
BY_PHONE = ("phone", "pk")
# The model's ordering (township, name), with the birth date before the id among namesakes,
# and without joining Region to order by the township's code.
BY_TOWNSHIP = ("township_id", "name", "birth_date", "pk")


@dataclass(frozen=True)
class SearchFilters:
    township: str = ""  # region code
    village: str = ""
    category: str = ""
    disability_level: int | None = None
    status: str = ""  # person status alive|deceased, or qualification status active|suspended|ended
    residence: str = ""


class PhoneTail(Func):
    """A phone number's last four characters, written exactly as the index
    ``beneficiary_phone_tail`` (``Right("phone", 4)``) is, and without parameters: SQLite
    uses an index on an expression only for the very same expression."""

    output_field = CharField()

    def __init__(self, expression: Any) -> None:
        super().__init__(expression)

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"RIGHT({column}, 4)", list(params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"SUBSTR({column}, (4 * -1), 4)", list(params)


def search_beneficiaries(
    user: User, query: str = "", filters: SearchFilters | None = None
) -> QuerySet[Beneficiary]:
    qs = beneficiaries_for(user)
    f = filters or SearchFilters()
    if f.township:
        qs = qs.filter(township_id=f.township)
    if f.village:
        qs = qs.filter(region_id=f.village)
    if f.residence:
        qs = qs.filter(residence=f.residence)
    if f.status in ("alive", "deceased"):
        qs = qs.filter(status=f.status)
    qual = Q()
    if f.category:
        qual &= Q(qualifications__category=f.category)
    if f.disability_level:
        qual &= Q(qualifications__disability_level=f.disability_level)
    if f.status in ("active", "suspended", "ended"):
        qual &= Q(qualifications__status=f.status)
    if qual:
        qs = qs.filter(pk__in=Beneficiary.objects.filter(qual).values("pk"))
    text = compact(query)
    if not text:
        return _in_township(qs, user).order_by(*BY_TOWNSHIP)
    return _match(qs, text, user)


def _in_township(qs: QuerySet[Beneficiary], user: User) -> QuerySet[Beneficiary]:
    """Everyone in a township's or a village's scope lives in that township: saying so
    lets the indexes led by the township seek straight to its people. (Only where such an
    index serves the query: SQLite, seeing the equality, would pass over the phone's, the
    ID number's or the pinyin's own index.)"""
    township = _township_of(user)
    return qs.filter(township_id=township) if township else qs


def _township_of(user: User) -> str:
    """The township a township's or a village's clerk works in; "" for wider scopes."""
    prefix = region_prefix(user)
    return prefix[:9] + "000" if prefix and len(prefix) >= 9 else ""


def _match(qs: QuerySet[Beneficiary], text: str, user: User) -> QuerySet[Beneficiary]:
    number = normalize_id_number(text)
    if re.fullmatch(r"\d{17}[\dX]", number):
        return qs.filter(id_number_index=id_number_index(number)).order_by(*BY_NAME)
    if re.fullmatch(r"\d{3,5}[\dX]", number):
        # The last 4–6 characters of an ID number: candidates by the readable last four,
        # then the full number decrypted for the few that share them.
        tail = number[-4:]
        candidates = list(
            qs.filter(id_number_last4=tail).order_by().values_list("pk", "id_number_encrypted")[:2000]
        )
        matching = [pk for pk, token in candidates if decrypt(token).endswith(number)]
        by_tail = Q(pk__in=matching)
        if number.isdigit():
            by_phone = Q(phone_tail=tail, phone__endswith=number)
            return qs.alias(phone_tail=PhoneTail("phone")).filter(by_tail | by_phone).order_by(*BY_NAME)
        return qs.filter(by_tail).order_by(*BY_NAME)
    if text.isdigit():
        if len(text) < 11:
            return qs.filter(_starting("phone", text)).order_by(*BY_PHONE)
        return qs.filter(phone=text).order_by(*BY_NAME)
    letters = text.lower()
    if not _HAN.search(text) and letters.isascii() and letters.isalpha():
        return _by_letters(qs, letters, user)
    return _in_township(qs, user).filter(_starting("name", text)).order_by(*BY_NAME)


def _by_letters(qs: QuerySet[Beneficiary], letters: str, user: User) -> QuerySet[Beneficiary]:
    initials, pinyin = _starting("name_initials", letters), _starting("name_pinyin", letters)
    if not _INITIAL_LETTERS.issuperset(letters):
        # "li", "zhu", "zhangwei": no syllable starts with i, u or v, so these are no
        # initials. By pinyin, from its index.
        return qs.filter(pinyin).order_by(*BY_PINYIN)
    in_township = _in_township(qs, user)
    if not _could_be_pinyin(letters):
        # "zs", "wxy": no pinyin starts so. By initials, from their index.
        return in_township.filter(initials).order_by(*BY_INITIALS)
    if len(letters) > 1 and not in_township.filter(initials).exists():
        # "wang", "zhengchao", "tan": either, but nobody's initials start so (a name's
        # initials rarely hold a vowel): by pinyin. One more query, for such letters only.
        return qs.filter(pinyin).order_by(*BY_PINYIN)
    # "z", "zh", "ch": either. A name's pinyin and initials start with the same letter, so
    # the initials index over that letter holds both kinds of match; the pinyin matches are
    # spread through it, so a walk in its order soon finds a page.
    first = _starting("name_initials", letters[0])
    either: Q | Case = initials | pinyin
    if _township_of(user):
        # PostgreSQL takes the OR, which lies inside the first letter's range, for
        # independent of it, expects a few hundred of a township's people where there are
        # thousands, and sorts them all. It guesses one half for a CASE, and walks.
        either = Case(When(initials, then=True), When(pinyin, then=True), default=False)
    return in_township.filter(first).filter(either).order_by(*BY_INITIALS)


# The syllables pypinyin writes (Style.NORMAL, ü as v); test_search checks the list.
_SYLLABLE_TEXT = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca
cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua
chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den
deng di dia dian diao die din ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang
fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang
gui gun guo ha hai han hang hao he hei hen heng hm hng hong hou hu hua huai huan huang hui hun
huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken
keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len leng li lia lian
liang liao lie lin ling liu lo long lou lu luan lun luo lv lve m ma mai man mang mao me mei men
meng mi mian miao mie min ming miu mo mou mu n na nai nan nang nao ne nei nen neng ng ni nia
nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao pei
pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu
quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se
sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui
shun shuo si song sou su suan sui sun suo ta tai tan tang tao te tei teng ti tian tiao tie ting
tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu xi xia xian xiang xiao xie
xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za
zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu
zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
SYLLABLES = frozenset(_SYLLABLE_TEXT.split())
_INITIAL_LETTERS = frozenset(s[0] for s in SYLLABLES)


@lru_cache(maxsize=1024)
def _could_be_pinyin(letters: str) -> bool:
    """Whether ``letters`` can begin a name's pinyin: whole syllables, then the start of one."""
    if len(letters) > 60:  # longer than any name's pinyin
        return False
    ends = {0}  # where a run of whole syllables can end
    for start in range(len(letters) + 1):
        if start not in ends:
            continue
        rest = letters[start:]
        if not rest:
            return True
        for syllable in SYLLABLES:
            if syllable.startswith(rest):
                return True
            if rest.startswith(syllable):
                ends.add(start + len(syllable))
    return False


def _starting(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, as a range a plain btree index serves on SQLite and
    on PostgreSQL alike: ``prefix <= field < prefix`` with its last character incremented.
    In code-point order (SQLite's BINARY, PostgreSQL's C and C.UTF-8) that is exactly the
    strings starting with ``prefix``, and in a linguistic collation it still is for
    letters, digits and Han characters, which is what names, pinyin and phones hold. (A
    LIKE beside it would only make PostgreSQL count the condition twice, expect a few
    rows where there are thousands, and sort them all instead of reading the index.)"""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": _after(prefix)})


def _after(prefix: str) -> str:
    """The least string greater than every string starting with ``prefix``."""
    code = ord(prefix[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored: jump past them
        code = 0xE000
    if code > 0x10FFFF:
        return _after(prefix[:-1]) if len(prefix) > 1 else "\U0010ffff"
    return prefix[:-1] + chr(code)


PICK_RESULTS = 20


def people_to_pick(user: User, query: str) -> list[Beneficiary]:
    """The first matches of ``query`` for a form that starts by choosing a person (a relief
    application, a pairing): ``registry/_person_pick.html`` shows them with a "choose" link."""
    query = query.strip()[:50]
    if not query:
        return []
    found = search_beneficiaries(user, query).select_related("township").prefetch_related("qualifications")
    return list(found[:PICK_RESULTS])
