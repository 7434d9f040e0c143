"""Petitions (信访事项): the matter, its petitioners, its history, its deadlines.

The module records matters, not people's movements: there is no field about where a
petitioner is, travels or might go, and no score of any kind. Every state change is a
``PetitionEvent`` row written by a service together with its audit record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from youfu.core.scope import RegionScoped, ScopedQuerySet
from youfu.petitions.codes import format_code


class Channel(models.TextChoices):
    LETTER = "letter", _("letter")
    VISIT = "visit", _("visit")
    PHONE = "phone", _("phone")
    ONLINE = "online", _("online")


class Category(models.TextChoices):
    BENEFITS = "benefits", _("benefits")
    MEDICAL = "medical", _("medical")
    HOUSING = "housing", _("housing")
    PLACEMENT = "placement", _("placement and employment")
    PENSION = "pension", _("pension and insurance")
    OTHER = "other", _("other")


class State(models.TextChoices):
    REGISTERED = "registered", _("registered")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    FORWARDED = "forwarded", _("forwarded")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    EXTENDED = "extended", _("extended")
    REPLIED = "replied", _("replied")
    REVIEW_REQUESTED = "review_requested", _("review requested")
    REVIEW_REPLIED = "review_replied", _("review replied")
    REREVIEW_REQUESTED = "rereview_requested", _("re-review requested")
    REREVIEW_REPLIED = "rereview_replied", _("re-review replied")
    CONCLUDED = "concluded", _("concluded")
    # A repeat of a matter that is open or recent: handled in the original case.
    REPEAT = "repeat", _("linked to an earlier case")


CLOSED_STATES = frozenset({State.DECLINED, State.FORWARDED, State.CONCLUDED, State.REPEAT})
OPEN_STATES = frozenset(set(State) - CLOSED_STATES)
# States in which the bureau works towards the reply (the conclusion deadline runs).
HANDLING_STATES = frozenset({State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.EXTENDED})


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class DeadlineKind(models.TextChoices):
    ACCEPT = "accept", _("decision on acceptance")
    HANDLE = "handle", _("conclusion")
    REVIEW_REQUEST = "review_request", _("request for review")
    REVIEW = "review", _("review answer")
    REREVIEW_REQUEST = "rereview_request", _("request for re-review")
    REREVIEW = "rereview", _("re-review answer")


# DeadlineKind → the Petition column holding it.
DUE_FIELDS: dict[str, str] = {
    DeadlineKind.ACCEPT: "accept_due",
    DeadlineKind.HANDLE: "handle_due",
    DeadlineKind.REVIEW_REQUEST: "review_request_due",
    DeadlineKind.REVIEW: "review_due",
    DeadlineKind.REREVIEW_REQUEST: "rereview_request_due",
    DeadlineKind.REREVIEW: "rereview_due",
}


class ReceptionDay(models.Model):
    """领导接待日: a leader receives petitioners on a date at a place."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    time = models.CharField(_("time"), max_length=40, blank=True)  # "9:00–12:00"
    place = models.CharField(_("place"), max_length=200)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    leader_name = models.CharField(_("leader"), max_length=100)
    leader_title = models.CharField(_("title"), max_length=100, blank=True)
    topics = models.TextField(_("topics"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A cancelled day is kept (petitions registered at it keep their link); it leaves the
    # public list and the intake choices.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code", personal_data=False)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")
        indexes = [models.Index(fields=["date"], name="reception_day_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.leader_name}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


# Five or more people petitioning together make a collective petition (集体访).
COLLECTIVE_SIZE = 5


class Petition(models.Model):
    # The place the matter belongs to: a township, or the county for matters without one.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    receipt_code = models.CharField(_("receipt code"), max_length=16, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    received_on = models.DateField(_("received on"))
    subject = models.CharField(_("subject"), max_length=200)
    subject_key = models.CharField(max_length=200, editable=False)  # normalized, for repeats
    content = models.TextField(_("content"))
    # A matter passed on by a higher level (上级转送/交办) is handled like any other;
    # the source is recorded for the file only.
    referred_by = models.CharField(_("referred by"), max_length=200, blank=True)
    group_size = models.PositiveIntegerField(_("number of petitioners"), default=1)
    beneficiary = models.ForeignKey(
        "registry.Beneficiary", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reception = models.ForeignKey(
        ReceptionDay, on_delete=models.PROTECT, null=True, blank=True, related_name="petitions"
    )
    repeat_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="repeats"
    )

    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.REGISTERED)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    declined_on = models.DateField(_("declined on"), null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    decline_notice = models.TextField(_("notice to the petitioner"), blank=True)
    # Art. 36: the same facts, already concluded after re-review.
    earlier_case = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="later_cases"
    )
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    forwarded_to = models.CharField(_("forwarded to"), max_length=200, blank=True)
    handling_unit = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)
    days_to_reply = models.PositiveIntegerField(null=True, blank=True)  # for the statistics
    review_requested_on = models.DateField(_("review requested on"), null=True, blank=True)
    review_replied_on = models.DateField(_("review replied on"), null=True, blank=True)
    review_reply_text = models.TextField(_("review reply"), blank=True)
    rereview_requested_on = models.DateField(_("re-review requested on"), null=True, blank=True)
    rereview_replied_on = models.DateField(_("re-review replied on"), null=True, blank=True)
    rereview_reply_text = models.TextField(_("re-review reply"), blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    satisfaction_comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    # Deadlines (DESIGN.md §5), derived from the dates above by ``deadlines.compute``.
    accept_due = models.DateField(_("acceptance decision due"), null=True, blank=True)
    handle_due = models.DateField(_("conclusion due"), null=True, blank=True)
    review_request_due = models.DateField(_("review may be requested until"), null=True, blank=True)
    review_due = models.DateField(_("review answer due"), null=True, blank=True)
    rereview_request_due = models.DateField(_("re-review may be requested until"), null=True, blank=True)
    rereview_due = models.DateField(_("re-review answer due"), null=True, blank=True)
    calendar_complete = models.BooleanField(default=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="region__code", department_path="handling_unit")

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        indexes = [
            models.Index(fields=["region", "state"], name="petition_region_state"),
            models.Index(fields=["state", "received_on"], name="petition_state_received"),
            models.Index(fields=["received_on"], name="petition_received"),
            models.Index(fields=["handling_unit", "state"], name="petition_unit_state"),
            models.Index(fields=["lead", "state"], name="petition_lead_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(extension_days__isnull=True) | Q(extension_days__gte=1, extension_days__lte=30),
                name="petition_extension_1_30",
            ),
            models.CheckConstraint(condition=Q(group_size__gte=1), name="petition_group_size_positive"),
        ]

    def __str__(self) -> str:
        return self.receipt_code

    @property
    def is_collective(self) -> bool:
        return self.group_size >= COLLECTIVE_SIZE

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def receipt_code_display(self) -> str:
        return format_code(self.receipt_code)

    def current_due(self) -> tuple[str, object] | None:
        """The deadline the bureau is working to now, as (kind, date), or None."""
        if self.state == State.REGISTERED:
            return DeadlineKind.ACCEPT, self.accept_due
        if self.state in HANDLING_STATES:
            return DeadlineKind.HANDLE, self.handle_due
        if self.state == State.REVIEW_REQUESTED:
            return DeadlineKind.REVIEW, self.review_due
        if self.state == State.REREVIEW_REQUESTED:
            return DeadlineKind.REREVIEW, self.rereview_due
        return None


class Petitioner(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="petitioners")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    phone_tail = models.CharField(max_length=4, blank=True)
    id_number_encrypted = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)  # HMAC blind index
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    is_representative = models.BooleanField(_("representative"), default=False)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="petition__region__code", department_path="petition__handling_unit")

    class Meta:
        ordering = ["petition", "position"]

    def __str__(self) -> str:
        return self.name


class PetitionEvent(models.Model):
    """One row per state change (and per other recorded step): who, when, from, to, note."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    on = models.DateField(null=True, blank=True)  # the date the step took effect (e.g. accepted_on)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # "public" for the online form, "system" for tasks
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="petition__region__code", department_path="petition__handling_unit")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.from_state}→{self.to_state}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("waiting for a leader's approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("not approved")


# The states that use up the one extension (Art. 34): a refused request does not.
LIVE_EXTENSION_STATES = (ExtensionState.PENDING, ExtensionState.APPROVED)


class Extension(models.Model):
    """A request to extend the conclusion period (信访工作条例 Art. 34: 经本机关负责人批准).

    A clerk asks; a leader approves or refuses. Only an approved extension lengthens the
    period (it is then copied to ``Petition.extension_days``, which the deadlines read) and
    is shown to the petitioner. Refused requests stay as history.
    """

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="extensions")
    state = models.CharField(
        _("state"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    days = models.PositiveSmallIntegerField(_("days"))
    reason = models.TextField(_("reason for the extension"))
    requested_on = models.DateField(_("requested on"))
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="petition__region__code", department_path="petition__handling_unit")

    class Meta:
        ordering = ["petition", "pk"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        indexes = [models.Index(fields=["state", "requested_on"], name="extension_state_requested")]
        constraints = [
            models.CheckConstraint(condition=Q(days__gte=1, days__lte=30), name="extension_days_1_30"),
            # One extension per matter: at most one request waiting or approved at a time.
            models.UniqueConstraint(
                fields=["petition"],
                condition=Q(state__in=["pending", "approved"]),
                name="extension_one_live_per_petition",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}: +{self.days} ({self.state})"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: the uploaded name is kept in a column, never in a path.
    import uuid

    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}[instance.content_type]
    return f"petitions/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope = RegionScoped(code_path="petition__region__code", department_path="petition__handling_unit")

    class Meta:
        ordering = ["petition", "pk"]

    def __str__(self) -> str:
        return self.original_name


class NotificationKind(models.TextChoices):
    DUE_SOON = "due_soon", _("due soon")
    OVERDUE = "overdue", _("overdue")


class Notification(models.Model):
    """An in-app notice (and e-mail) about a deadline. ``key`` makes each notice unique;
    ``sent_at`` is claimed with a compare-and-set so it is delivered once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    deadline_kind = models.CharField(max_length=20, choices=DeadlineKind.choices)
    due = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return self.key
