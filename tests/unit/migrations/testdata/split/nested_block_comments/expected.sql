SELECT 1
-- ;;
SELECT /* a /* b /* c */ */ ; */ 2
