"""`manage.py run_maintenance [JOB ...]`: run maintenance jobs once, now, in this process (every job when
none is named): the form for cron when the task backend is not the database one."""

from django.core.management.base import BaseCommand, CommandError

from maintenance import jobs as registry


class Command(BaseCommand):
    help = "Run the named maintenance jobs (default: all) once, now."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="JOB")

    def handle(self, *args, names: list[str], **options):
        known = registry.jobs()
        unknown = [name for name in names if name not in known]
        if unknown:
            raise CommandError(f"unknown job(s): {', '.join(unknown)}; known: {', '.join(known)}")
        for name in names or list(known):
            registry.run(name)
            self.stdout.write(f"Ran {name}")
