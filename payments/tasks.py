"""Worker tasks of payments: one refund attempt (it enqueues its own next attempt, with backoff)."""

from payments import services
from shop.tasks import task


@task()
def refund_attempt_task(refund_id: str, attempt: int) -> str:
    return services.refund_attempt(refund_id=refund_id, attempt=attempt)
