"""The reference publishing module: takes approved replies from the review
hub and posts them to VK (``wall.createComment``) and Telegram (Bot API
``sendMessage`` with ``reply_parameters``). Run it with
``python3 -m modules.publisher`` from the repository's root."""
