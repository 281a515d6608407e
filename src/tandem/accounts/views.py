from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tandem.accounts import services, throttle
from tandem.accounts.forms import ApiTokenForm, ProfileForm
from tandem.accounts.http import AuthedRequest
from tandem.accounts.models import ApiToken, User
from tandem.core.errors import ServiceError


def _profile_zones(person: User) -> list[str]:
    """The time zones the person gave in their program profiles, newest first."""
    answers = person.memberships.order_by("-joined_at").values_list("answers", flat=True)
    zones = [answer.get("time_zone") for answer in answers if isinstance(answer, dict)]
    return list(dict.fromkeys(zone for zone in zones if isinstance(zone, str) and zone))


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    # A copy, so that an invalid submission never changes the user shown in the page header.
    person = User.objects.get(pk=request.user.pk)
    form = ProfileForm(request.POST or None, instance=person, likely_zones=_profile_zones(person))
    if request.method == "POST" and form.is_valid():
        # The form put the fields its page showed on ``person``; the others are as they were.
        services.update_profile(
            person,
            by=request.user,
            full_name=person.full_name,
            pronouns=person.pronouns,
            time_zone=person.time_zone,
        )
        messages.success(request, "Your details were saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def api_tokens(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        refusal = throttle.check(request, request.user.email)
        if refusal is not None:
            form.add_error("password", refusal.message)
            status = 429
        else:
            try:
                _, new_token = services.create_api_token_with_password(
                    request.user,
                    by=request.user,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                    days=form.cleaned_data["days"],
                    scope=form.cleaned_data["scope"],
                )
            except ServiceError as error:
                if error.field == "password":
                    throttle.record_failure(request, request.user.email)
                form.add_error(error.field, error.message)
            else:
                form = ApiTokenForm()
    if form.errors and status == 200:
        status = 422
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
        status=status,
    )


@require_POST
@login_required
def api_token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_api_token(token, by=request.user)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("accounts:api_tokens")
