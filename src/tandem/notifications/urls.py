from __future__ import annotations

from django.urls import path

from tandem.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/badge/", views.unread_badge, name="badge"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="open"),
    # Under the account pages (/me/…), where people look for it.
    path("me/notifications/", views.preferences, name="preferences"),
]
