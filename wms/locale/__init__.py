"""The server's gettext catalogs (wms/locale/<language>/LC_MESSAGES/kaeru.po and .mo); see wms.i18n."""
