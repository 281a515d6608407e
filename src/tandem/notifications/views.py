from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tandem.accounts.http import AuthedRequest
from tandem.notifications import services
from tandem.notifications.enums import NotificationKind
from tandem.notifications.forms import NotificationPreferencesForm
from tandem.notifications.models import Notification, NotificationPreference


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).select_related(
        "program__organization"
    )
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@login_required
def notification_open(request: AuthedRequest, notification_id: int) -> HttpResponse:
    """Mark as read, then go where the notification points."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    services.mark_read(notification, by=request.user)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    services.mark_all_read(by=request.user)
    return redirect("notifications:list")


@login_required
def unread_badge(request: AuthedRequest) -> HttpResponse:
    """The nav badge, refreshed by htmx every minute."""
    count = Notification.objects.filter(recipient=request.user).unread().count()
    return render(request, "base.html#unread-badge", {"unread_notifications": count})


@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    disabled = set(
        NotificationPreference.objects.filter(user=request.user, email=False).values_list(
            "kind", flat=True
        )
    )
    enabled = {kind.value for kind in NotificationKind} - disabled
    # Not ``request.POST or None``: with every box unticked a POST can carry no fields at all,
    # and it must still save "no e-mail" rather than be mistaken for a GET.
    form = NotificationPreferencesForm(
        request.POST if request.method == "POST" else None, enabled=enabled
    )
    if request.method == "POST" and form.is_valid():
        services.set_email_preferences(
            request.user, by=request.user, email_kinds=form.enabled_kinds()
        )
        messages.success(request, "Your e-mail preferences were saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
