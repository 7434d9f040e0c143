from django.urls import path

from youfu.registry import views_review

urlpatterns = [
    path("", views_review.review_list_view, name="reviews"),
    path("<int:review_id>/", views_review.review_detail_view, name="review_detail"),
    path(
        "<int:review_id>/items/<int:item_id>/suspend/",
        views_review.review_suspend_view,
        name="review_suspend",
    ),
]
