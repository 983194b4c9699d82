"""Commands for this project's settings (``COMMANDS_MODULE = "boltwise.commands.project"``): they
replace Scrapy's built-in ones of the same name in a project that opts in, nowhere else."""
