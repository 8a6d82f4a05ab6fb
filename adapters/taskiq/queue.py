from __future__ import annotations

from taskiq import AsyncBroker

from application.ports import Job

# The message label carrying a job's request id (see application.ports.REQUEST_ID).
REQUEST_ID_LABEL = "request_id"


class UnknownJob(LookupError):
    pass


class TaskiqJobQueue:
    """The JobQueue port on a taskiq broker. The outbox id becomes the task id."""

    def __init__(self, broker: AsyncBroker) -> None:
        self.broker = broker

    async def send(self, job: Job) -> None:
        task = self.broker.find_task(job.name)
        if task is None:
            raise UnknownJob(f"no task registered under {job.name!r}")
        kicker = task.kicker().with_task_id(str(job.id))
        if job.request_id is not None:
            kicker = kicker.with_labels(**{REQUEST_ID_LABEL: job.request_id})
        await kicker.kiq(**dict(job.arguments))
