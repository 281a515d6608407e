"""A program's meeting guide: ordered meeting templates that become the agendas of each
mentorship's meetings, and the assignments ("before the next meeting…") they set."""

from __future__ import annotations

from django.db import models

from tandem.mentoring.enums import TemplateKind, TemplateTool
from tandem.mentoring.models.meetings import Meeting
from tandem.mentoring.models.mentorships import Mentorship


class MeetingTemplate(models.Model):
    """One step of a program's meeting guide (the Nth meeting gets the Nth guided template;
    later meetings the regular check-in; the closure meeting the closure template)."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="meeting_templates"
    )
    kind = models.CharField(
        max_length=10, choices=TemplateKind.choices, default=TemplateKind.GUIDED
    )
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    #: Discussion questions, one per line.
    questions = models.TextField(blank=True)
    #: What the mentee writes before the next meeting (becomes an assignment); blank for none.
    preparation = models.TextField(blank=True)
    #: The closing checklist, one item per line.
    checklist = models.TextField(blank=True)
    #: The tool the preparation is written in (e.g. the development plan), or blank.
    opens_tool = models.CharField(
        max_length=20, choices=TemplateTool.choices, blank=True, default=TemplateTool.NONE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["program", "position", "id"]
        indexes = [models.Index(fields=["program", "kind", "position"], name="template_order")]

    def __str__(self) -> str:
        return self.title

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class AgendaItem(models.Model):
    """An item a member adds to a meeting's agenda before it (members only)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


class Assignment(models.Model):
    """A template's "before the next meeting" task for a mentee, due at the next meeting;
    written and submitted in the workspace (markdown, sanitised when shown), the mentor
    comments."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="assignments")
    #: The meeting whose template set it.
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    template = models.ForeignKey(
        MeetingTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    prompt = models.TextField()
    #: The next meeting's start when it was set (null until one is scheduled).
    due_at = models.DateTimeField(null=True, blank=True)
    body = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "assignee"], name="one_assignment_per_meeting_and_person"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt[:60]


class AssignmentComment(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("programs.Membership", on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.assignment_id}"
