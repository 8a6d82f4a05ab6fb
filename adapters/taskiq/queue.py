from __future__ import annotations

from taskiq import AsyncBroker

from application.ports import Job


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
        await task.kicker().with_task_id(str(job.id)).kiq(**dict(job.arguments))
