from .cli import cli

if __name__ == "__main__":  # python -m archiver; importing the module runs nothing
    cli(prog_name="archiver")
