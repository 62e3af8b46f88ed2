"""Work the task worker (`qingche task_worker`, kept running by `qingche serve`) runs for the citizen-request module."""

from django_tasks import task


@task()
def run_history_import(job_id: int) -> None:
    from qingche.service.importers import history_import_run  # lazy: importers imports this module to queue the task

    history_import_run(job_id)
