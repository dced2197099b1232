-- nothing to do here;
/* really; nothing */
;
-- ;;
;;
