package io.meshflow.tools;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Java types whose schemas the golden tests pin down. */
final class SchemaFixtures {
    private SchemaFixtures() {}

    enum Priority {
        LOW,
        NORMAL,
        URGENT
    }

    @JsonClassDescription("A postal address")
    record Address(
            @Param("street and number") String street,
            @Param("city name") String city) {}

    record Ticket(
            @Param("one-line summary") String title,

            @Param(value = "how urgent", defaultValue = "\"NORMAL\"")
            Priority priority,

            @Param("labels to attach") List<String> labels,
            Optional<String> assignee,
            @Param("custom fields by name") Map<String, Integer> fields,
            Address address,
            Optional<Address> billing) {}

    sealed interface Shape permits Circle, Rectangle {}

    record Circle(@Param("radius in cm") double radius) implements Shape {}

    record Rectangle(double width, double height) implements Shape {}

    record Drawing(
            List<Shape> shapes,

            @Param(value = "scale factor", defaultValue = "1")
            double scale) {}

    static final class Tools {
        @ToolMethod("Creates a ticket in the tracker.")
        String createTicket(
                @Param("one-line summary") String title,
                @Param("how urgent") Priority priority,
                Optional<List<String>> labels,
                @Param(value = "how many copies", defaultValue = "1") int copies,
                Address address,
                @Param("estimates in hours") int[] estimates) {
            return title + "/" + priority + "/" + labels.orElse(List.of()) + "/" + copies + "/" + address.city() + "/"
                    + estimates.length;
        }

        @ToolMethod(value = "Sums the areas of shapes.", name = "total_area")
        double area(@Param("the shapes") List<Shape> shapes) {
            double total = 0;
            for (Shape shape : shapes) {
                total += switch (shape) {
                    case Circle c -> Math.PI * c.radius() * c.radius();
                    case Rectangle r -> r.width() * r.height();
                };
            }
            return total;
        }
    }
}
