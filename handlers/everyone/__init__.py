"""What everyone may do, whatever their role: /start (and invite links), /help, /lang, /cancel,
/forgetme, and the fallback that answers anything no other router took."""
