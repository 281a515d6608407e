"""Growth: what a mentee works towards in a mentorship and how both members reflect on it —
SMART goals with milestones, the development plan, skills self-assessments, SWOT, a private
journal, SBI feedback and the celebrations of progress."""
