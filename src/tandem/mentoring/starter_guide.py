"""The meeting guide a new program starts with: three guided first meetings, the regular
check-in, and the closure meeting — plus the same steps worded for group programs, where a
facilitator leads several mentees and everyone takes turns.

This is content, not logic: :func:`tandem.mentoring.services.guides.ensure_guide` copies it
into a program's own templates, which its coordinators then edit, reorder or remove.
"""

from __future__ import annotations

from dataclasses import dataclass

from tandem.mentoring.enums import TemplateKind


@dataclass(frozen=True)
class TemplateSpec:
    """One step of a shipped meeting guide."""

    kind: TemplateKind
    title: str
    purpose: str
    questions: tuple[str, ...]
    preparation: str = ""
    checklist: tuple[str, ...] = ()
    #: The tool the preparation is written in (``TemplateTool``), if any.
    opens_tool: str = ""


#: The closing checklist every meeting ends with (the record asks for both).
CHECKLIST = (
    "The next meeting is in the calendar.",
    "Each action item has an owner and a date.",
)


PAIR_GUIDE: tuple[TemplateSpec, ...] = (
    TemplateSpec(
        kind=TemplateKind.GUIDED,
        title="Meeting 1 — Getting to know each other",
        purpose=(
            "Take your time to meet properly. Your mentor leads, and you both answer each "
            "question: this is an exchange, not an interview."
        ),
        questions=(
            "How did your career get to where it is today?",
            "What is taking most of your attention at work right now?",
            "What kind of work would you like to be doing in a few years?",
            "What did you study, and which professional groups are you part of?",
            "What do you enjoy outside work?",
            "How do you learn best — in a course, from reading, or by doing?",
            "What is one achievement you are proud of?",
            "What do you hope to get from each other in these months?",
        ),
        preparation=(
            "Write a short note on how you want to make the most of this mentorship for your "
            "own development, and share it with your mentor before the next meeting."
        ),
        checklist=CHECKLIST,
    ),
    TemplateSpec(
        kind=TemplateKind.GUIDED,
        title="Meeting 2 — What you want to develop",
        purpose=(
            "Your mentor starts with honest feedback on your note: which hopes look realistic, "
            "which may not, and why. Then you look together at what to work on."
        ),
        questions=(
            "What are your strengths and weak spots, as you see them?",
            "What do others praise in your work, and what might they criticise?",
            "Which skills, knowledge and attitudes does your current role ask of you?",
            "Which one, once learned, would change your work the most?",
            "If you could change one thing about your working life so far, what would it be?",
            "How will you know you have mastered it — what will you and others notice?",
            "Who and what will it affect, and how could you measure that?",
            "What will it take — time, people, money?",
            "Who do you admire who already does this well?",
        ),
        preparation=(
            "Write down the areas you most need to develop and how you will know you have "
            "succeeded: the skill that matters most, how you will recognise mastery, and the "
            "difference it will make that others can see."
        ),
        checklist=CHECKLIST,
    ),
    TemplateSpec(
        kind=TemplateKind.GUIDED,
        title="Meeting 3 — Making a plan",
        purpose=(
            "Your mentor works from what you wrote. Together you decide where the mentoring "
            "can help most, and what to learn first."
        ),
        questions=(
            "Where can your mentor help you most?",
            "Which skills, knowledge and attitudes matter most for your goals?",
            "Which themes keep coming back in your work?",
            "In which situations, and with whom, will you use this skill?",
            "Who else could help you, and what information do you need?",
            "What have you already read, watched or taken on this?",
            "What should you learn first?",
            "What are the big questions in this area, and what do others think of them?",
        ),
        preparation=(
            "Draft your development plan: the areas you want to improve or build on, and the "
            "people, courses and reading that will help you close the gaps."
        ),
        checklist=CHECKLIST,
        opens_tool="plan",
    ),
    TemplateSpec(
        kind=TemplateKind.REGULAR,
        title="Check-in",
        purpose="See how far you have come since last time and agree what comes next.",
        questions=(
            "What have you done since we last met?",
            "What went well — what is a win worth noticing?",
            "What got in the way, and what would help?",
            "What will you do before the next meeting?",
        ),
        checklist=CHECKLIST,
    ),
    TemplateSpec(
        kind=TemplateKind.CLOSURE,
        title="Closing meeting",
        purpose=("Look back on what you learned together, and make a plan for after the program."),
        questions=(
            "What have you learned, set against the goals you chose?",
            "What are your next steps on your own?",
            "How would you like to stay in touch?",
            "What feedback do you have for each other?",
            "What would make the program better for the next people?",
        ),
        checklist=("Each action item has an owner and a date.",),
    ),
)


GROUP_GUIDE: tuple[TemplateSpec, ...] = (
    TemplateSpec(
        kind=TemplateKind.GUIDED,
        title="Meeting 1 — Getting to know each other",
        purpose=(
            "Give everyone room to introduce themselves. As facilitator you go first and keep "
            "time; each person answers in turn, and anyone may pass."
        ),
        questions=(
            "Round 1: how did your career get to where it is today?",
            "Round 2: what is taking most of your attention at work right now?",
            "Round 3: what kind of work would you like to be doing in a few years?",
            "Round 4: how do you learn best — in a course, from reading, or by doing?",
            "Round 5: what is one achievement you are proud of?",
            "Together: what do we want from this group, and how will we work together?",
        ),
        preparation=(
            "Write a short note on how you want to make the most of this group for your own "
            "development, and share it with your facilitator before the next meeting."
        ),
        checklist=CHECKLIST,
    ),
    TemplateSpec(
        kind=TemplateKind.GUIDED,
        title="Meeting 2 — What each of you wants to develop",
        purpose=(
            "Open with a few words of feedback on the notes you received. Then go round the "
            "group: each person names what they want to work on, and the others ask one "
            "question each."
        ),
        questions=(
            "Your turn: what are your strengths and weak spots, as you see them?",
            "Your turn: which skill, once learned, would change your work the most?",
            "Your turn: how will you know you have mastered it — what will others notice?",
            "The group: what did you hear that you share, and where could you help each other?",
        ),
        preparation=(
            "Write down the area you most want to develop and how you will know you have "
            "succeeded, with the difference it will make that others can see."
        ),
        checklist=CHECKLIST,
    ),
    TemplateSpec(
        kind=TemplateKind.GUIDED,
        title="Meeting 3 — Making plans",
        purpose=(
            "Work from what each person wrote. Give everyone the same time; pair people up "
            "where their goals meet."
        ),
        questions=(
            "Your turn: what will you learn first, and who can help you?",
            "Your turn: in which situations will you use the skill, and with whom?",
            "The group: which resources — people, courses, reading — can we share?",
            "The group: who will check in with whom before the next meeting?",
        ),
        preparation=(
            "Draft your development plan: the areas you want to improve, and the people, "
            "courses and reading that will help you."
        ),
        checklist=CHECKLIST,
        opens_tool="plan",
    ),
    TemplateSpec(
        kind=TemplateKind.REGULAR,
        title="Group check-in",
        purpose=(
            "A round of progress, then one topic in depth. Keep the turns even so every voice "
            "is heard."
        ),
        questions=(
            "Round: what have you done since we last met, and what is a win worth noticing?",
            "Round: what got in the way?",
            "In depth: one person's question, with everyone's ideas.",
            "Round: what will you do before the next meeting?",
        ),
        checklist=CHECKLIST,
    ),
    TemplateSpec(
        kind=TemplateKind.CLOSURE,
        title="Closing meeting",
        purpose="Close the group well: what each of you learned, and what happens next.",
        questions=(
            "Round: what have you learned, set against the goals you chose?",
            "Round: what are your next steps on your own?",
            "Round: one thing you appreciated in each other.",
            "Together: how would you like to stay in touch?",
            "Together: what would make the program better for the next group?",
        ),
        checklist=("Each action item has an owner and a date.",),
    ),
)
