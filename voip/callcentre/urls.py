from django.urls import path

from voip.callcentre import views

app_name = "callcentre"

urlpatterns: list = [
    path("wallboard/", views.wallboard, name="wallboard"),
    path("spy/", views.spy, name="spy"),
    path("queues/<int:queue_id>/pause/", views.pause, name="pause"),
    path("queues/<int:queue_id>/unpause/", views.unpause, name="unpause"),
    path("queues/<int:queue_id>/login/", views.login, name="login"),
    path("queues/<int:queue_id>/logout/", views.logout, name="logout"),
]
